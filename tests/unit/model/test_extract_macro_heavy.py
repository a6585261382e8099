"""extract_file on QEMU-style macro-heavy code (data/macro_heavy.c)."""

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
def mh() -> FileModel:
    return model_of("macro_heavy.c")


def test_definition_glued_to_a_macro_call_is_recovered(mh: FileModel) -> None:
    glued = mh.vmsd("vmstate_baz_glued")
    assert glued is not None and glued.name == "baz-glued"
    assert (glued.version_id, glued.version_expr) == (4, "BAZ_VERSION")
    assert (glued.minimum_version_id, glued.minimum_version_expr) == (3, "BAZ_VERSION - 1")
    assert not glued.is_static
    (items, end) = glued.fields
    assert items.args[-1] == "Item *" and items.vmsd_ref == "vmstate_item"
    assert end.is_end
    assert mh.parse_errors > 0


def test_named_fields_array_local_wrappers_inline_initializer(mh: FileModel) -> None:
    baz = mh.vmsd("vmstate_baz")
    assert baz is not None
    assert baz.fields_array == "baz_fields"
    got = [(f.macro, f.name, f.info, f.version_id, f.elem_size, f.count_value) for f in baz.fields]
    assert got == [
        ("VMSTATE_BAZ_REG", "r", "uint16", 3, 2, None),
        ("BAZ_WRAP", "q", "uint8", 0, 1, 2),
        ("VMSTATE_CPU", "parent_obj", "struct", 0, None, None),
        ("VMSTATE_VIRTIO_DEVICE", "virtio", "virtio", 0, None, None),
        ("<initializer>", "raw", "uint32", 2, 4, None),
        ("VMSTATE_END_OF_LIST", "", "end", 0, None, None),
    ]
    assert baz.fields[2].vmsd_ref == "vmstate_cpu_common"


def test_subsections_duplicates_priority_unmigratable(mh: FileModel) -> None:
    baz = mh.vmsd("vmstate_baz")
    assert baz is not None
    assert baz.subsections_initializers == 2
    assert baz.subsections == ("vmstate_baz_extra",)
    assert baz.unmigratable and baz.priority == "MIG_PRI_IOMMU"
    extra = mh.vmsd("vmstate_baz_extra")
    assert extra is not None and extra.name == "baz/extra"
    (unused, _end) = extra.fields
    assert (unused.name, unused.version_id, unused.elem_size, unused.wire_size) == (
        "unused",
        2,
        6,
        6,
    )


def test_class_init_helper_folding_and_legacy_vmsd(mh: FileModel) -> None:
    cis = {(c.function, c.vmsd_member): c for c in mh.class_inits}
    assert cis[("baz_common_class_init", "dc->vmsd")].vmsd == "vmstate_baz"
    folded = cis[("baz_class_init", "dc->vmsd")]
    assert folded.vmsd == "vmstate_baz" and folded.vmsd_line == 64
    assert cis[("baz_sysemu_ops", "legacy_vmsd")].vmsd == "vmstate_baz_glued"
    helper_calls = [c for c in mh.calls if c.call == "baz_common_class_init"]
    assert helper_calls and helper_calls[0].function == "baz_class_init"
    assert helper_calls[0].args == ("klass", "data")


def test_generated_typeinfos(mh: FileModel) -> None:
    by = {t.c_name: t for t in mh.types}
    assert by["baz_base"].abstract and by["baz_base"].parent_expr == "TYPE_DEVICE"
    assert by["baz_obj"].name_expr == "TYPE_BAZ_OBJ" and not by["baz_obj"].abstract
    loop = [t for t in mh.types if t.origin == "loop"]
    assert [(t.c_name, t.name, t.parent, t.class_init) for t in loop] == [
        ("type_info[0]", "baz-a", "baz", "baz_class_init"),
        ("type_info[1]", "baz-b", "baz", "baz_class_init"),
    ]
    assert "type_info" not in by  # the nameless template is replaced by its instances
    base = by["virtio_baz_pci_info.base"]
    gen = by["virtio_baz_pci_info.generic"]
    assert (base.name, base.abstract, base.class_init) == ("virtio-baz-pci-base-type", True, None)
    assert (gen.name, gen.parent, gen.class_init) == (
        "virtio-baz-pci",
        "virtio-baz-pci-base-type",
        "virtio_baz_pci_class_init",
    )


def test_machine_calls_and_local_compat_array(mh: FileModel) -> None:
    calls = [(c.call, c.function) for c in mh.calls]
    assert ("pc_q35_machine_11_0_options", "machine_init_things") in calls
    assert ("DEFINE_Q35_MACHINE_AS_LATEST", None) in calls
    gated = next(c for c in mh.calls if c.call == "pci_set_word")
    assert gated.conditional and gated.condition == "ms->flag"
    (arr,) = mh.compat_arrays
    assert arr.name == "pc_q35_machine_10_2_options:compat" and arr.version == (10, 2)
    assert arr.entries[0].driver == "baz" and arr.entries[0].value == "off"


def test_function_like_defines_are_emitted(mh: FileModel) -> None:
    d = {x.name: x for x in mh.defines}
    assert d["VMSTATE_BAZ_REG(f,s)"].raw == "VMSTATE_UINT16_V(f, s, 3)"
    assert d["BAZ_WRAP(f,s)"].raw == "VMSTATE_UINT8_ARRAY(f, s, 2)"
    assert d["BAZ_SUBNAME"].value == "baz/extra"


def test_object_define_inside_a_macro_body_and_continuations() -> None:

    src = (
        b"#define OBJECT_DEFINE_TYPE(A, a, U, P) \\\n"
        b"    OBJECT_DEFINE_TYPE_EXTENDED(A, a, U, P, false, { NULL })\n"
        b"OBJECT_DEFINE_SIMPLE_TYPE_WITH_INTERFACES(HvB, hv_b, \\\n"
        b"    HV_B, VMBUS_DEVICE, { TYPE_MEMORY_DEVICE }, { NULL })\n"
    )
    m = extract_file("hw/x/hv.c", src)
    assert [(t.c_name, t.name_expr, t.interfaces) for t in m.types] == [
        ("hv_b", "TYPE_HV_B", ("TYPE_MEMORY_DEVICE",))
    ]
