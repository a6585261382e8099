"""extract_file on a small, ordinary device file (data/device.c)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model.entities import FileModel
from bot.model.extract import extract_file

DATA = Path(__file__).parent / "data"


def model_of(
    name: str, data: bytes | None = None, defines: dict[str, str] | None = None
) -> FileModel:
    """Extract data/<name> (or the given bytes) as the file `hw/test/<name>`."""
    raw = data if data is not None else (DATA / name).read_bytes()
    return extract_file(f"hw/test/{name}", raw, defines)


@pytest.fixture
def dev() -> FileModel:
    return model_of("device.c", defines={"TYPE_PCI_DEVICE": "pci-device"})


def test_vmsds_found_with_names_versions_and_hooks(dev: FileModel) -> None:
    assert [v.c_name for v in dev.vmsds] == ["vmstate_foo_sub", "vmstate_foo"]
    sub, foo = dev.vmsds
    assert sub.name == "foo/sub" and sub.name_expr == 'TYPE_FOO "/sub"'
    assert sub.hook("needed") == "foo_sub_needed"
    assert (foo.name, foo.version_id, foo.minimum_version_id) == ("foo", 3, 2)
    assert foo.version_expr is None and foo.minimum_version_expr is None
    assert foo.hook("post_load") == "foo_post_load"
    assert foo.subsections == ("vmstate_foo_sub",)
    assert foo.subsections_initializers == 1
    assert foo.is_static and not foo.unmigratable
    assert (foo.line, foo.end_line) == (21, 47)


def test_fields_in_order_as_dump_names_them(dev: FileModel) -> None:
    foo = dev.vmsd("vmstate_foo")
    assert foo is not None
    names = [f.name for f in foo.fields]
    assert names == [
        "parent_obj",
        "a",
        "regs",
        "b",
        "flag",
        "unused",
        "tmp",
        "ptimer",
        "timer",
        "buf",
        "check",
        "zz",
        "",
    ]
    f = {x.name: x for x in foo.fields}
    assert f["parent_obj"].info == "pci" and f["parent_obj"].vmsd_ref == "vmstate_pci_device"
    assert (f["a"].info, f["a"].elem_size, f["a"].version_id) == ("uint32", 4, 2)
    assert (f["regs"].count, f["regs"].count_value, f["regs"].wire_size) == ("FOO_NREGS", 4, 16)
    assert f["b"].vmsd_ref == "vmstate_bar" and f["b"].count_value == 2 and f["b"].info == "struct"
    assert f["flag"].test == "foo_test" and "ifdef" in f["flag"].flags
    assert "ifdef" not in f["unused"].flags
    assert (f["unused"].info, f["unused"].elem_size, f["unused"].is_unused) == ("unused", 4, True)
    assert (f["tmp"].info, f["tmp"].vmsd_ref, f["tmp"].struct) == (
        "tmp",
        "vmstate_foo_tmp",
        "FooState",
    )
    assert (f["ptimer"].info, f["ptimer"].version_id) == ("ptimer", 1)
    assert (f["timer"].info, f["timer"].elem_size) == ("timer", 8)
    assert (f["buf"].info, f["buf"].elem_size) == ("buffer", None)
    assert f["check"].info == "validate" and f["check"].test == "foo_valid"
    assert f["zz"].info == "unknown" and f["zz"].c_field == "zz"
    assert foo.fields[-1].is_end
    assert [x.name for x in foo.payload_fields][-2:] == ["buf", "zz"]
    assert foo.fields[1].line == 28


def test_types_class_init_props_compat(dev: FileModel) -> None:
    by = {t.c_name: t for t in dev.types}
    info = by["foo_info"]
    assert (info.name, info.parent, info.class_init) == ("foo", "pci-device", "foo_class_init")
    assert info.interfaces == ("INTERFACE_PCIE_DEVICE",)
    assert info.instance_size_expr == "sizeof(FooState)" and info.origin == "struct"
    assert by["foo_types[0]"].name == "foo-sub" and by["foo_types[0]"].parent == "foo"
    assert by["foo_types[1]"].name == "mine-machine" and by["foo_types[1]"].abstract
    od = by["foo_obj"]
    assert od.origin == "object_define" and od.name_expr == "TYPE_FOO_OBJ"
    assert od.class_init == "foo_obj_class_init" and od.interfaces == ("TYPE_USER_CREATABLE",)

    (ci,) = dev.class_inits
    assert (ci.function, ci.vmsd, ci.vmsd_member, ci.props) == (
        "foo_class_init",
        "vmstate_foo",
        "dc->vmsd",
        ("foo_props",),
    )
    props = {p.name: p for p in dev.properties}
    assert props["x-flag"].default == "true" and props["x-flag"].c_field == "flag"
    assert props["feat"].bit == "3" and props["feat"].default == "false"
    assert props["n"].macro == "DEFINE_PROP_UINT32" and props["n"].struct == "FooState"

    (arr,) = dev.compat_arrays
    assert arr.name == "hw_compat_10_1" and arr.version == (10, 1)
    e0, e1 = arr.entries
    assert (e0.driver, e0.property, e0.value, e0.optional) == ("foo", "x-flag", "off", False)
    assert (e1.driver, e1.property, e1.value, e1.optional) == ("virtio-net", "foo", "on", True)


def test_registrations_creations_calls(dev: FileModel) -> None:
    r0, r1 = dev.registrations
    assert (r0.call, r0.vmsd, r0.instance_id, r0.function) == (
        "vmstate_register",
        "vmstate_foo",
        "0",
        "foo_realize",
    )
    assert r0.conditional and r0.condition == "s->flag"
    assert (r1.call, r1.instance_id, r1.condition) == ("vmstate_register_any", None, "!(s->flag)")
    (c,) = dev.creations
    assert (c.call, c.type_name, c.child_name, c.in_loop) == (
        "object_initialize_child",
        "foo-sub",
        "uart[*]",
        True,
    )
    assert [x.call for x in dev.calls] == ["#include", "pci_set_word", "msix_init_exclusive_bar"]
    assert dev.calls[0].args == ("qemu/osdep.h",) and dev.calls[0].function is None
    assert dev.calls[1].args == ("dev->config + 2", "0x1234")
    assert dev.function_at(90) == "foo_realize"


def test_defines_and_arrays(dev: FileModel) -> None:
    d = {x.name: x for x in dev.defines}
    assert d["TYPE_FOO_SUB"].value == "foo-sub"
    assert d["MY_MACHINE"].value == "mine-machine"
    assert d["FOO_NREGS"].value is None and d["FOO_NREGS"].raw == "4"
    (arr,) = dev.arrays
    assert arr.name == "builtin_defs" and arr.struct_type == "X86CPUDefinition"
    assert arr.text == '{ { .name = "qemu64", .level = 0xd, }, }'
