"""MIG006 (note), MIG010, MIG011, MIG012, MIG015 on hand-built models carrying FunctionInfo.

The fixtures exercise these rules end to end once the extractor fills `function_infos`; these
tests pin the rule logic itself, independent of the extractor.
"""

from __future__ import annotations

from bot.diff.changes import EntityChange
from bot.engine.spec import RuleContext
from bot.model.entities import FileModel, FunctionInfo, Vmsd, VmstateField
from bot.series import Series
from rules import (
    field_test_or_needed_changed,
    subsection_added_unconditional,
    version_test_equality,
    vmsd_opaque_cast_mismatch,
    vmstate_struct_type_mismatch,
)


def fld(c_field: str, struct: str = "FooState", test: str | None = None,
        line: int = 10) -> VmstateField:
    """A uint32 field (optionally _TEST-gated)."""
    macro = "VMSTATE_UINT32_TEST" if test else "VMSTATE_UINT32"
    args = (c_field, struct, test) if test else (c_field, struct)
    return VmstateField(macro, args, c_field, c_field, struct, 0, test, None, "uint32", 4,
                        None, None, line, ("single",))


END = VmstateField("VMSTATE_END_OF_LIST", (), "", None, None, 0, None, None, "end", None,
                   None, None, 99, ("end",))


def vmsd(c_name: str, name: str, fields: list[VmstateField], version: int = 1,
         hooks: tuple[tuple[str, str], ...] = (), subsections: tuple[str, ...] = ()) -> Vmsd:
    """A vmsd definition."""
    return Vmsd(c_name, name, f'"{name}"', version, 1, (*fields, END), subsections,
                1 if subsections else 0, hooks, False, None, 5, 100)


def fn(name: str, casts: tuple[tuple[str, str, int], ...] = (), returns: tuple[str, ...] = (),
       reads: tuple[str, ...] = (), version_param: bool = False) -> FunctionInfo:
    """A FunctionInfo for a vmsd callback."""
    params: tuple[tuple[str, str], ...] = (("void *", "opaque"),)
    if version_param:
        params += (("int", "version_id"),)
    return FunctionInfo(name, 40, 45, params, casts, returns, reads)


def run(mod: object, old: FileModel | None, new: FileModel, key: str) -> list[str]:
    """Messages of one rule on the vmsd change `key` between two models."""
    ov = old.vmsd(key) if old else None
    nv = new.vmsd(key)
    op = "modified" if ov is not None else "added"
    change = EntityChange("vmsd", op, key, new.path, ov, nv)
    ctx = RuleContext(Series("0" * 40, "1" * 40, (), ()), None, old, new, (change,),
                      models=((new.path, old, new),))
    return [h.message for h in mod.check(change, ctx)]  # type: ignore[attr-defined]


PATH = "hw/misc/foo.c"


def test_mig011_needed_casts_other_struct() -> None:
    sub = vmsd("vmstate_foo_x", "foo/x", [fld("x"), fld("y")], hooks=(("needed", "foo_x_needed"),))
    bad = FileModel(PATH, vmsds=(sub,),
                    function_infos=(fn("foo_x_needed", casts=(("opaque", "BarState", 41),)),))
    assert run(vmsd_opaque_cast_mismatch, None, bad, "vmstate_foo_x")
    ok = FileModel(PATH, vmsds=(sub,), function_infos=(
        fn("foo_x_needed", casts=(("opaque", "DeviceState", 41),)),))
    assert not run(vmsd_opaque_cast_mismatch, None, ok, "vmstate_foo_x")
    # pre-existing mismatch in an unchanged hook is not re-reported
    moved = vmsd("vmstate_foo_x", "foo/x", [fld("x"), fld("y"), fld("z")],
                 hooks=(("needed", "foo_x_needed"),))
    new = FileModel(PATH, vmsds=(moved,), function_infos=bad.function_infos)
    assert not run(vmsd_opaque_cast_mismatch, bad, new, "vmstate_foo_x")


def test_mig010_uses_hook_cast_as_opaque_type() -> None:
    v = vmsd("vmstate_foo", "foo", [fld("x", "BarState"), fld("y", "FooState")],
             hooks=(("post_load", "foo_post_load"),))
    m = FileModel(PATH, vmsds=(v,), function_infos=(
        fn("foo_post_load", casts=(("opaque", "FooState", 41),), version_param=True),))
    msgs = run(vmstate_struct_type_mismatch, None, m, "vmstate_foo")
    assert len(msgs) == 1 and "BarState" in msgs[0]


def test_mig012_equality_with_current_version_only() -> None:
    v = vmsd("vmstate_foo", "foo", [fld("x"), fld("y", test="foo_is_v3")], version=3)
    eq3 = FileModel(PATH, vmsds=(v,), function_infos=(
        fn("foo_is_v3", returns=("version_id == 3",), version_param=True),))
    assert run(version_test_equality, None, eq3, "vmstate_foo")
    eq1 = FileModel(PATH, vmsds=(v,), function_infos=(
        fn("foo_is_v3", returns=("1 == version_id",), version_param=True),))
    assert not run(version_test_equality, None, eq1, "vmstate_foo")
    ge = FileModel(PATH, vmsds=(v,), function_infos=(
        fn("foo_is_v3", returns=("version_id >= 3",), version_param=True),))
    assert not run(version_test_equality, None, ge, "vmstate_foo")


def test_mig006_needed_that_always_returns_true() -> None:
    parent_old = vmsd("vmstate_foo", "foo", [fld("x")])
    parent_new = vmsd("vmstate_foo", "foo", [fld("x")], subsections=("vmstate_foo_y",))
    sub = vmsd("vmstate_foo_y", "foo/y", [fld("y")], hooks=(("needed", "foo_y_needed"),))
    old = FileModel(PATH, vmsds=(parent_old,))

    def with_returns(*returns: str) -> FileModel:
        return FileModel(PATH, vmsds=(sub, parent_new),
                         function_infos=(fn("foo_y_needed", returns=returns),))

    msgs = run(subsection_added_unconditional, old, with_returns("true"), "vmstate_foo")
    assert len(msgs) == 1 and "always returns true" in msgs[0]
    assert not run(subsection_added_unconditional, old, with_returns("s->migrate_y"), "vmstate_foo")
    assert not run(
        subsection_added_unconditional, old, with_returns("s->y != 0", "true"), "vmstate_foo"
    )


def test_mig015_needed_body_changed_is_a_note() -> None:
    sub = vmsd("vmstate_foo_y", "foo/y", [fld("y")], hooks=(("needed", "foo_y_needed"),))
    sub2 = vmsd("vmstate_foo_y", "foo/y", [fld("y"), fld("z", test="foo_y_needed")],
                hooks=(("needed", "foo_y_needed"),))
    old = FileModel(PATH, vmsds=(sub,), function_infos=(
        fn("foo_y_needed", returns=("s->migrate_y",)),))
    new = FileModel(PATH, vmsds=(sub2,), function_infos=(
        fn("foo_y_needed", returns=("s->y != 0",)),))
    msgs = run(field_test_or_needed_changed, old, new, "vmstate_foo_y")
    assert any("logic of .needed" in m for m in msgs)
