"""bot.model.globalprop: one GlobalProperty initializer, positional or designated."""

from __future__ import annotations

from bot.model.globalprop import global_property


def test_positional_and_designated_forms_agree() -> None:
    pos = global_property(' "e1000", "autonegotiation" , "off" ')
    des = global_property('.driver = "e1000",\n .property = "autonegotiation", .value = "off",')
    assert pos == des
    assert (pos.driver, pos.property, pos.value, pos.optional) == (
        '"e1000"',
        '"autonegotiation"',
        '"off"',
        False,
    )


def test_optional_flag_and_odd_input() -> None:

    g = global_property('.driver = TYPE_X, .property = "p", .value = "1", .optional = true')
    assert g.optional and g.driver == "TYPE_X"
    assert global_property('"a", "b", "c", false, true').optional  # positional used/optional
    empty = global_property("")
    assert (empty.driver, empty.property, empty.value) == ("", "", "")
    assert global_property("{{{,,,").driver == "{{{,,,"  # unbalanced: one piece, no raise
