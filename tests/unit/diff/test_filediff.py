"""diff_models: stable keys, added/removed/modified, and no change for pure line shifts."""

from __future__ import annotations

import dataclasses

from bot.diff.filediff import diff_models, same_ignoring_lines
from bot.model.entities import (
    CallSite,
    ClassInit,
    CompatArray,
    CompatEntry,
    FileModel,
    InitializerArray,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
    VmstateField,
    VmstateRegistration,
)


def field(name: str, line: int, macro: str = "VMSTATE_UINT32", version: int = 0) -> VmstateField:
    return VmstateField(
        macro=macro,
        args=(name, "FooState"),
        name=name,
        c_field=name,
        struct="FooState",
        version_id=version,
        test=None,
        vmsd_ref=None,
        info="uint32",
        elem_size=4,
        count=None,
        count_value=None,
        line=line,
    )


def end(line: int) -> VmstateField:
    return VmstateField(
        "VMSTATE_END_OF_LIST", (), "", None, None, 0, None, None, "end", None, None, None, line
    )


def vmsd(c_name: str, line: int, names: tuple[str, ...], version: int = 1) -> Vmsd:
    fields = tuple(field(n, line + 4 + i) for i, n in enumerate(names))
    return Vmsd(
        c_name=c_name,
        name=c_name.removeprefix("vmstate_"),
        name_expr=f'"{c_name}"',
        version_id=version,
        minimum_version_id=version,
        fields=(*fields, end(line + 4 + len(names))),
        subsections=(),
        subsections_initializers=0,
        hooks=(),
        unmigratable=False,
        priority=None,
        line=line,
        end_line=line + 6 + len(names),
    )


def shift(value: object, by: int) -> object:
    """The entity with every line number moved by `by` (recursively)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kw: dict[str, object] = {}
        for f in dataclasses.fields(value):
            cur = getattr(value, f.name)
            if f.name in ("line", "end_line", "vmsd_line") and isinstance(cur, int):
                kw[f.name] = cur + by
            else:
                kw[f.name] = shift(cur, by)
        return dataclasses.replace(value, **kw)
    if isinstance(value, tuple):
        return tuple(shift(v, by) for v in value)
    return value


def full_model(path: str = "hw/misc/foo.c") -> FileModel:
    return FileModel(
        path=path,
        vmsds=(vmsd("vmstate_foo", 10, ("a", "b")), vmsd("vmstate_bar", 30, ("x",))),
        types=(
            TypeInfo(
                "foo_info",
                "foo",
                "TYPE_FOO",
                "sys-bus-device",
                "TYPE_SYS_BUS_DEVICE",
                "foo_class_init",
                None,
                "sizeof(FooState)",
                False,
                (),
                50,
            ),
        ),
        class_inits=(ClassInit("foo_class_init", "vmstate_foo", "dc->vmsd", ("foo_props",), 60),),
        properties=(
            Property("foo_props", "DEFINE_PROP_BOOL", "on", '"on"', "FooState", "on", "true", 70),
        ),
        compat_arrays=(
            CompatArray(
                "hw_compat_10_1",
                (CompatEntry("foo", '"foo"', "on", '"on"', "false", '"false"', 81),),
                80,
                82,
                (10, 1),
            ),
        ),
        registrations=(
            VmstateRegistration(
                "vmstate_register",
                "vmstate_bar",
                "&vmstate_bar",
                "0",
                "foo_realize",
                False,
                False,
                None,
                90,
            ),
        ),
        creations=(
            ObjectCreation(
                "qdev_new", "TYPE_FOO", "foo", None, None, "board_init", False, False, None, 95
            ),
        ),
        calls=(CallSite("pci_set_word", ("conf", "0x1234"), "foo_realize", 99),),
        arrays=(InitializerArray("cpu_defs", "X86CPUDefinition", "{...}", 100, 110),),
    )


def test_identical_models_no_change() -> None:
    m = full_model()
    assert diff_models(m.path, m, m) == ()


def test_pure_line_shift_produces_no_change() -> None:
    m = full_model()
    shifted = shift(m, 17)
    assert isinstance(shifted, FileModel)
    assert shifted != m
    assert diff_models(m.path, m, shifted) == ()


def test_added_file_all_added_and_deleted_file_all_removed() -> None:
    m = full_model()
    added = diff_models(m.path, None, m)
    assert {c.op for c in added} == {"added"}
    assert {c.kind for c in added} == {
        "vmsd",
        "type",
        "class_init",
        "property",
        "compat_array",
        "registration",
        "creation",
        "call",
        "array",
    }
    removed = diff_models(m.path, m, None)
    assert {c.op for c in removed} == {"removed"}
    assert len(removed) == len(added)
    assert all(c.side == "old" for c in removed)
    assert all(c.side == "new" for c in added)


def test_modified_vmsd_field_removed_with_shift() -> None:
    old = FileModel(path="hw/a.c", vmsds=(vmsd("vmstate_foo", 10, ("a", "b")),))
    new = FileModel(path="hw/a.c", vmsds=(vmsd("vmstate_foo", 14, ("a",)),))
    changes = diff_models("hw/a.c", old, new)
    assert len(changes) == 1
    c = changes[0]
    assert (c.kind, c.op, c.key) == ("vmsd", "modified", "vmstate_foo")
    assert c.old is old.vmsds[0] and c.new is new.vmsds[0]
    assert c.line == 14 and c.side == "new"


def test_vmsd_rename_is_remove_plus_add() -> None:
    old = FileModel(path="hw/a.c", vmsds=(vmsd("vmstate_foo", 10, ("a",)),))
    new = FileModel(path="hw/a.c", vmsds=(vmsd("vmstate_foo2", 10, ("a",)),))
    ops = [(c.op, c.key) for c in diff_models("hw/a.c", old, new)]
    assert sorted(ops) == [("added", "vmstate_foo2"), ("removed", "vmstate_foo")]


def test_type_keyed_by_resolved_name_not_variable() -> None:
    t_old = full_model().types[0]
    t_new = dataclasses.replace(t_old, c_name="foo_type_info", line=77)
    old = FileModel(path="hw/a.c", types=(t_old,))
    new = FileModel(path="hw/a.c", types=(t_new,))
    changes = diff_models("hw/a.c", old, new)
    # same type name -> modified (variable renamed), not removed+added
    assert [(c.op, c.key) for c in changes] == [("modified", "foo")]


def test_type_without_name_falls_back_to_c_name() -> None:
    t = dataclasses.replace(full_model().types[0], name=None)
    changes = diff_models("hw/a.c", None, FileModel(path="hw/a.c", types=(t,)))
    assert changes[0].key == "foo_info"


def test_property_keyed_by_array_and_name() -> None:
    p = full_model().properties[0]
    p2 = dataclasses.replace(p, default="false", line=90)
    old = FileModel(path="hw/a.c", properties=(p,))
    new = FileModel(path="hw/a.c", properties=(p2,))
    changes = diff_models("hw/a.c", old, new)
    assert [(c.kind, c.op, c.key) for c in changes] == [("property", "modified", "foo_props.on")]


def _props_model(array: str, type_name: str) -> FileModel:
    """One type `type_name` whose class_init installs the Property array `array`."""
    m = full_model()
    ci = dataclasses.replace(m.class_inits[0], function=f"{array}_ci", props=(array,))
    t = dataclasses.replace(m.types[0], name=type_name, class_init=ci.function)
    p = dataclasses.replace(m.properties[0], array=array)
    return FileModel(path="hw/a.c", types=(t,), class_inits=(ci,), properties=(p,))


def test_property_of_a_renamed_array_of_the_same_type_is_paired() -> None:
    old, new = _props_model("foo_props", "foo"), _props_model("foo_isa_props", "foo")
    props = [c for c in diff_models("hw/a.c", old, new) if c.kind == "property"]
    assert [(c.op, c.key) for c in props] == [("modified", "foo_isa_props.on")]
    assert props[0].old is not None and props[0].old.array == "foo_props"  # type: ignore[union-attr]


def test_property_moved_to_another_types_array_is_not_paired() -> None:
    old, new = _props_model("foo_props", "foo"), _props_model("bar_props", "bar")
    props = [c for c in diff_models("hw/a.c", old, new) if c.kind == "property"]
    assert sorted((c.op, c.key) for c in props) == [
        ("added", "bar_props.on"), ("removed", "foo_props.on")
    ]


def test_repeated_registrations_use_occurrence_index() -> None:
    r = full_model().registrations[0]
    old = FileModel(path="hw/a.c", registrations=(r, dataclasses.replace(r, line=91)))
    new = FileModel(path="hw/a.c", registrations=(dataclasses.replace(r, line=95),))
    changes = diff_models("hw/a.c", old, new)
    assert [(c.op, c.key) for c in changes] == [
        ("removed", "vmstate_register(vmstate_bar)@foo_realize#1")
    ]


def test_call_with_changed_arguments_is_modified() -> None:
    c = full_model().calls[0]
    old = FileModel(path="hw/a.c", calls=(c,))
    changed = dataclasses.replace(c, args=(c.args[0], "0x1235"))
    (ch,) = diff_models("hw/a.c", old, FileModel(path="hw/a.c", calls=(changed,)))
    assert (ch.op, ch.old, ch.new) == ("modified", c, changed)
    # nothing in common: another call, not this one changed
    other = dataclasses.replace(c, args=("x", "y"))
    ops = sorted(ch.op for ch in diff_models("hw/a.c", old, FileModel("hw/a.c", calls=(other,))))
    assert ops == ["added", "removed"]


def test_calls_pair_by_equal_arguments_not_by_order() -> None:
    def bar(n: str, size: str, line: int) -> CallSite:
        return CallSite("pci_register_bar", ("d", n, "PCI_BASE_ADDRESS_SPACE_MEMORY", size),
                        "foo_realize", line)  # fmt: skip

    old = FileModel("hw/a.c", calls=(bar("0", "s->mmio", 10), bar("2", "s->msix", 11)))
    new = FileModel("hw/a.c", calls=(bar("0", "s->mmio", 10), bar("2", "s->msix2", 11)))
    (ch,) = diff_models("hw/a.c", old, new)
    assert ch.op == "modified"
    assert isinstance(ch.old, CallSite) and isinstance(ch.new, CallSite)
    assert ch.old.args[1] == ch.new.args[1] == "2"
    # two changed BARs: each pairs with its own index, whatever the order of the calls
    new2 = FileModel("hw/a.c", calls=(bar("2", "s->msix2", 10), bar("0", "s->mmio2", 11)))
    pairs = {(c.old.args[1], c.new.args[1]) for c in diff_models("hw/a.c", old, new2)
             if isinstance(c.old, CallSite) and isinstance(c.new, CallSite)}  # fmt: skip
    assert pairs == {("0", "0"), ("2", "2")}


def test_compat_array_entry_added() -> None:
    arr = full_model().compat_arrays[0]
    e2 = dataclasses.replace(arr.entries[0], property="x", property_expr='"x"', line=82)
    new_arr = dataclasses.replace(arr, entries=(*arr.entries, e2), end_line=83)
    changes = diff_models(
        "hw/core/machine.c",
        FileModel(path="hw/core/machine.c", compat_arrays=(arr,)),
        FileModel(path="hw/core/machine.c", compat_arrays=(new_arr,)),
    )
    assert [(c.kind, c.op, c.key) for c in changes] == [
        ("compat_array", "modified", "hw_compat_10_1")
    ]


def test_renamed_file_records_old_path() -> None:
    m = FileModel(path="hw/old.c", vmsds=(vmsd("vmstate_foo", 10, ("a",)),))
    n = FileModel(path="hw/new.c", vmsds=(vmsd("vmstate_foo", 10, ("a", "b")),))
    changes = diff_models("hw/new.c", m, n)
    assert changes[0].old_path == "hw/old.c"
    assert changes[0].path == "hw/new.c"
    explicit = diff_models("hw/new.c", m, n, old_path="hw/elsewhere.c")
    assert explicit[0].old_path == "hw/elsewhere.c"


def test_same_ignoring_lines_sees_real_differences() -> None:
    a = vmsd("vmstate_foo", 10, ("a",))
    assert same_ignoring_lines(a, shift(a, 3))
    assert not same_ignoring_lines(a, dataclasses.replace(a, version_id=2))


def test_output_is_deterministic_and_ordered_by_kind() -> None:
    m = full_model()
    a = diff_models(m.path, None, m)
    b = diff_models(m.path, None, m)
    assert a == b
    kinds = [c.kind for c in a]
    assert kinds.index("vmsd") < kinds.index("type") < kinds.index("array")


def test_register_to_register_any_of_one_vmsd_is_modified() -> None:
    r = full_model().registrations[0]
    any_ = dataclasses.replace(r, call="vmstate_register_any", instance_id=None)
    (ch,) = diff_models("hw/a.c", FileModel("hw/a.c", registrations=(r,)),
                        FileModel("hw/a.c", registrations=(any_,)))  # fmt: skip
    assert (ch.kind, ch.op, ch.old, ch.new) == ("registration", "modified", r, any_)
    # another vmsd: a registration removed and another added
    other = dataclasses.replace(any_, vmsd="vmstate_other", vmsd_expr="&vmstate_other")
    old, new = FileModel("hw/a.c", registrations=(r,)), FileModel("hw/a.c", registrations=(other,))
    ops = sorted(c.op for c in diff_models("hw/a.c", old, new))
    assert ops == ["added", "removed"]
