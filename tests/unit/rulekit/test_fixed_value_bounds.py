"""MIG030's fixed-value reader on hostile text: bounded uses, bounded backward walk."""

from __future__ import annotations

from rules.compat_property_missing import _MAX_USES, _calls_using


def test_uses_of_the_member_are_bounded() -> None:
    text = "".join(f"f(a, s->m, {i});\n" for i in range(5000))
    got = _calls_using(text, "m")
    assert len(got) == _MAX_USES
    assert got[0] == ("f", 1, ("a", "s->m", "0"))


def test_backward_walk_stops_in_a_long_argument_list() -> None:
    # the enclosing '(' lies more than 400 characters back: not attributed to any call
    text = "f(" + "x, " * 2000 + "s->m);\n"
    assert _calls_using(text, "m") == []
    assert _calls_using("g(1, s->m);", "m") == [("g", 1, ("1", "s->m"))]
