"""bot.diff.fields (field alignment) and bot.rulekit.vmsd (uses, wire resets, opaque types)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.diff.changes import EntityChange
from bot.diff.fields import align_fields
from bot.engine.spec import RuleContext
from bot.model.entities import ClassInit, FileModel, Vmsd, VmstateField
from bot.rulekit.vmsd import (
    as_test_field,
    introduced_fields,
    opaque_type,
    vmsd_change,
    vmsd_uses,
    wire_reset,
)
from bot.series import Series

_SIZES = {"VMSTATE_UINT8": 1, "VMSTATE_BOOL": 1, "VMSTATE_UINT32": 4, "VMSTATE_UINT64": 8}


def fld(macro: str, c_field: str | None, struct: str = "FooState", line: int = 1,
        version: int = 0, test: str | None = None, size: int | None = None,
        vmsd_ref: str | None = None) -> VmstateField:
    """A field as the extractor would produce it (enough for the helpers)."""
    if macro == "VMSTATE_UNUSED":
        return VmstateField(macro, (str(size),), "unused", None, None, 0, None, None,
                            "unused", size, None, None, line, ("buffer",))
    args = (c_field or "", struct) + ((str(version),) if version else ())
    return VmstateField(macro, args, c_field or "", c_field, struct, version, test, vmsd_ref,
                        "struct" if vmsd_ref else macro.removeprefix("VMSTATE_").lower(),
                        _SIZES.get(macro.removesuffix("_V")), None, None, line, ("single",))


END = VmstateField("VMSTATE_END_OF_LIST", (), "", None, None, 0, None, None, "end", None,
                   None, None, 99, ("end",))


def vmsd(c_name: str, fields: list[VmstateField], name: str | None = None, version: int = 1,
         minimum: int = 1, subsections: tuple[str, ...] = ()) -> Vmsd:
    """A vmsd with END_OF_LIST appended."""
    return Vmsd(c_name, name or c_name.removeprefix("vmstate_"), f'"{name}"', version, minimum,
                (*fields, END), subsections, 1 if subsections else 0, (), False, None, 1, 100)


def ctx_for(*models: FileModel) -> RuleContext:
    """A context over one-side models (old == new) without trees."""
    series = Series("0" * 40, "1" * 40, (), ())
    return RuleContext(series, None, models[0], models[0], (),
                       models=tuple((m.path, m, m) for m in models))


def test_identical_fields_all_pair() -> None:
    a = [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "b")]
    d = align_fields(vmsd("vmstate_foo", a), vmsd("vmstate_foo", a))
    assert len(d.pairs) == 2 and not d.added and not d.removed and not d.moved


def test_rename_is_a_positional_pair() -> None:
    old = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "b")])
    new = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "bb")])
    d = align_fields(old, new)
    assert [(o.c_field, n.c_field) for o, n in d.pairs] == [("a", "a"), ("b", "bb")]


def test_rename_plus_append_pairs_by_macro() -> None:
    old = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "b")])
    new = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "bb"),
                               fld("VMSTATE_UINT64_V", "c", version=2)])
    d = align_fields(old, new)
    assert ("b", "bb") in [(o.c_field, n.c_field) for o, n in d.pairs]
    assert [f.c_field for f in d.added] == ["c"]
    assert not d.removed


def test_reorder_is_a_move() -> None:
    old = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", x) for x in "abc"])
    new = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", x) for x in "acb"])
    d = align_fields(old, new)
    assert len(d.moved) == 1 and not d.added and not d.removed


def test_unused_replacement_block() -> None:
    old = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_BOOL", "b")])
    new = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UNUSED", None, size=1)])
    d = align_fields(old, new)
    assert len(d.replaced) == 1
    assert [f.c_field for f in d.replaced[0].old] == ["b"]


@given(st.lists(st.sampled_from("abcdefg"), max_size=7, unique=True),
       st.lists(st.sampled_from("abcdefg"), max_size=7, unique=True))
def test_alignment_accounts_for_every_field(a: list[str], b: list[str]) -> None:
    old = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", x) for x in a])
    new = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", x) for x in b])
    d = align_fields(old, new)
    olds = len(d.pairs) + len(d.removed) + len(d.moved) + sum(len(r.old) for r in d.replaced)
    news = len(d.pairs) + len(d.added) + len(d.moved) + sum(len(r.new) for r in d.replaced)
    assert (olds, news) == (len(a), len(b))
    added = EntityChange("vmsd", "added", "vmstate_foo", "hw/misc/foo.c", None, new)
    assert len(introduced_fields(added)) == len(b)
    changed = EntityChange("vmsd", "modified", "vmstate_foo", "hw/misc/foo.c", old, new, None, d)
    assert set(map(id, introduced_fields(changed))) <= set(map(id, new.payload_fields))


def test_roles_and_wire_reset() -> None:
    chan = vmsd("vmstate_foo_chan", [fld("VMSTATE_UINT32", "x", struct="FooChan")])
    sub = vmsd("vmstate_foo_sub", [fld("VMSTATE_UINT32", "y")], name="foo/sub")
    top = vmsd("vmstate_foo", [fld("VMSTATE_STRUCT", "ch", vmsd_ref="vmstate_foo_chan")],
               name="foo", subsections=("vmstate_foo_sub",))
    m = FileModel("hw/misc/foo.c", vmsds=(chan, sub, top),
                  class_inits=(ClassInit("foo_class_init", "vmstate_foo", "dc->vmsd", (), 1),))
    ctx = ctx_for(m)
    assert vmsd_uses(ctx, "vmstate_foo_chan", "new").nested_only
    assert vmsd_uses(ctx, "vmstate_foo_sub", "new").is_subsection
    assert vmsd_uses(ctx, "vmstate_foo", "new").top_level
    bumped = vmsd("vmstate_foo", [], name="foo", version=3, minimum=3)
    assert wire_reset(ctx, vmsd("vmstate_foo", [], name="foo", version=2), bumped)
    renamed = vmsd("vmstate_foo", [], name="foo2")
    assert wire_reset(ctx, vmsd("vmstate_foo", [], name="foo"), renamed) == "renamed"
    assert wire_reset(ctx, chan, vmsd("vmstate_foo_chan", [], name="other")) is None


def test_opaque_type_majority_and_test_variant() -> None:
    v = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"), fld("VMSTATE_UINT32", "b"),
                             fld("VMSTATE_UINT32", "c", struct="BarState")])
    assert opaque_type(v) == "FooState"
    tie = vmsd("vmstate_foo", [fld("VMSTATE_UINT32", "a"),
                               fld("VMSTATE_UINT32", "c", struct="BarState")])
    assert opaque_type(tie) is None
    assert as_test_field(fld("VMSTATE_UINT32_V", "a", version=2), "fn") == (
        "        VMSTATE_UINT32_TEST(a, FooState, fn),"
    )


def test_entity_change_helpers_ignore_other_kinds() -> None:
    ch = EntityChange("type", "added", "foo", "hw/misc/foo.c", None, None)
    assert vmsd_change(ch) == (None, None)
