"""The VMSTATE_* table: derived templates, argument roles, dump names, wire sizes."""

from __future__ import annotations

import pytest

from bot.model import macros
from bot.model.macros import (
    VMSTATE_MACROS,
    arg_roles,
    expand_vmstate_macros,
    extend_table,
    interpret_field,
    prop_spec,
)


@pytest.mark.parametrize(
    ("macro", "args", "name", "info", "size", "version", "vmsd"),
    [
        ("VMSTATE_BOOL", ("b", "S"), "b", "bool", 1, 0, None),
        ("VMSTATE_UINT8_V", ("x", "S", 3), "x", "uint8", 1, 3, None),
        ("VMSTATE_INT16", ("x", "S"), "x", "int16", 2, 0, None),
        ("VMSTATE_UINT32_EQUAL", ("x", "S", "NULL"), "x", "uint32", 4, 0, None),
        ("VMSTATE_INT64", ("x", "S"), "x", "int64", 8, 0, None),
        ("VMSTATE_TIMER_PTR", ("t", "S"), "t", "timer", 8, 0, None),
        ("VMSTATE_UNUSED", ("7",), "unused", "unused", 7, 0, None),
        ("VMSTATE_BUFFER", ("buf", "S"), "buf", "buffer", None, 0, None),
        ("VMSTATE_PARTIAL_BUFFER", ("buf", "S", "16"), "buf", "buffer", 16, 0, None),
        ("VMSTATE_WITH_TMP", ("S", "T", "vmstate_t"), "tmp", "tmp", None, 0, "vmstate_t"),
        ("VMSTATE_PCI_DEVICE", ("pdev", "S"), "pdev", "pci", None, 0, "vmstate_pci_device"),
        ("VMSTATE_USB_DEVICE", ("dev", "S"), "dev", "struct", None, 0, "vmstate_usb_device"),
        ("VMSTATE_I2C_SLAVE", ("i2c", "S"), "i2c", "struct", None, 0, "vmstate_i2c_slave"),
        ("VMSTATE_MSIX", ("pdev", "S"), "pdev", "struct", None, 0, "vmstate_msix"),
        ("VMSTATE_CLOCK", ("clk", "S"), "clk", "struct", None, 0, "vmstate_clock"),
        ("VMSTATE_FIFO8", ("fifo", "S"), "fifo", "struct", None, 0, "vmstate_fifo8"),
        ("VMSTATE_PTIMER", ("pt", "S"), "pt", "ptimer", None, 1, "vmstate_ptimer"),
        ("VMSTATE_VALIDATE", ('"ok"', "fn"), "ok", "validate", None, 0, None),
    ],
)
def test_interpretation(macro, args, name, info, size, version, vmsd) -> None:
    f = interpret_field(macro, tuple(str(a) for a in args))
    assert (f.name, f.info, f.elem_size, f.version_id, f.vmsd_ref) == (
        name,
        info,
        size,
        version,
        vmsd,
    )


def test_virtio_device_is_object_like() -> None:
    f = interpret_field("VMSTATE_VIRTIO_DEVICE", (), bare=True)
    assert (f.name, f.info) == ("virtio", "virtio")
    assert interpret_field("VMSTATE_VIRTIO_DEVICE", ("x",)).info == "unknown"


def test_arrays_varrays_and_tests() -> None:
    a = interpret_field("VMSTATE_UINT16_2DARRAY", ("m", "S", "2", "3"))
    assert (a.count, a.count_value, a.elem_size, "array" in a.flags) == ("(2) * (3)", 6, 2, True)
    v = interpret_field("VMSTATE_STRUCT_VARRAY_UINT32", ("arr", "S", "n", "0", "vmsd_e", "E"))
    assert (v.count, v.count_value, "varray" in v.flags, v.vmsd_ref) == ("n", None, True, "vmsd_e")
    t = interpret_field("VMSTATE_UINT32_TEST", ("x", "S", "x_needed"))
    assert t.test == "x_needed"
    n = interpret_field("VMSTATE_UINT32_ARRAY", ("r", "S", "NREGS"), int_lookup={"NREGS": 8}.get)
    assert (n.count, n.count_value) == ("NREGS", 8)
    c = interpret_field("VMSTATE_SINGLE", ("x", "S", "0", "my_info", "uint32_t"))
    assert c.info == "custom"
    s = interpret_field("VMSTATE_UINT32", ("env.regs[R_EAX]", "CPUX86State"))
    assert (s.name, s.c_field, s.struct) == ("env.regs[R_EAX]", "env.regs[R_EAX]", "CPUX86State")


def test_older_arities_of_master_macros_are_understood() -> None:
    # before 59046ec29a the VBUFFER family had a `_start` argument; before mid-2017 the
    # _EQUAL family had no `_err_hint`: both used to come out as unknown fields
    f = interpret_field("VMSTATE_VBUFFER_UINT32", ("kcs.inmsg", "S", "1", "NULL", "0", "kcs.inlen"))
    assert (f.info, f.c_field, set(f.flags)) == ("buffer", "kcs.inmsg", {"vbuffer", "pointer"})
    assert f.version_id == 1
    e = interpret_field("VMSTATE_UINT32_EQUAL", ("x", "S"))
    assert (e.info, e.elem_size) == ("uint32", 4)
    # master's arity still reads master's template
    m = interpret_field("VMSTATE_VBUFFER_UINT32", ("buf", "S", "2", "NULL", "len"))
    assert (m.info, m.version_id) == ("buffer", 2)
    assert interpret_field("VMSTATE_VBUFFER_UINT32", ("a", "S")).info == "unknown"


def test_unknown_macro_keeps_first_arg_as_name() -> None:
    f = interpret_field("VMSTATE_NEVER_HEARD_OF", ("fld", "S", "3"))
    assert (f.name, f.info, f.c_field, f.struct) == ("fld", "unknown", "fld", "S")


def test_roles_are_read_off_the_expansion() -> None:
    assert arg_roles(VMSTATE_MACROS["VMSTATE_UINT32_V"]) == {"field": 0, "struct": 1, "version": 2}
    r = arg_roles(VMSTATE_MACROS["VMSTATE_STRUCT_ARRAY_TEST"])
    assert (r["field"], r["struct"], r["count"], r["test"], r["version"], r["vmsd"]) == (
        0,
        1,
        2,
        3,
        4,
        5,
    )
    assert arg_roles(VMSTATE_MACROS["VMSTATE_UNUSED"])["size"] == 0


def test_expander_on_a_written_header() -> None:
    header = r"""
    #define VMSTATE_SINGLE_TEST(_field, _state, _test, _version, _info, _type) { \
        .name = (stringify(_field)), .version_id = (_version), .field_exists = (_test), \
        .size = sizeof(_type), .info = &(_info), .flags = VMS_SINGLE, \
        .offset = vmstate_offset_value(_state, _field, _type), }
    #define VMSTATE_SINGLE(_f, _s, _v, _i, _t) VMSTATE_SINGLE_TEST(_f, _s, NULL, _v, _i, _t)
    #define VMSTATE_UINT16_V(_f, _s, _v) VMSTATE_SINGLE(_f, _s, _v, vmstate_info_uint16, uint16_t)
    #define VMSTATE_UINT16(_f, _s) /* comment */ VMSTATE_UINT16_V(_f, _s, 0)
    #define VMSTATE_END_OF_LIST() { .flags = VMS_END, }
    """
    table = expand_vmstate_macros([header])
    assert set(table) == {
        "VMSTATE_SINGLE_TEST",
        "VMSTATE_SINGLE",
        "VMSTATE_UINT16_V",
        "VMSTATE_UINT16",
        "VMSTATE_END_OF_LIST",
    }
    arity, members = table["VMSTATE_UINT16"]
    assert arity == 2
    assert dict(members)["info"] == "&(vmstate_info_uint16)"
    f = interpret_field("VMSTATE_UINT16", ("x", "S"), table)
    assert (f.name, f.info, f.elem_size, f.struct) == ("x", "uint16", 2, "S")
    assert interpret_field("VMSTATE_END_OF_LIST", (), table).info == "end"


def test_extend_table_with_file_wrappers() -> None:
    defs = {
        "VMSTATE_MINE": (["f", "s"], "VMSTATE_UINT64_V(f, s, 5)"),
        "MY_WRAPPER": (["f"], "VMSTATE_UNUSED(8)"),
        "NOT_A_FIELD": (["x"], "x + 1"),
    }
    t = extend_table(defs)
    assert "VMSTATE_MINE" in t and "MY_WRAPPER" in t and "NOT_A_FIELD" not in t
    assert interpret_field("VMSTATE_MINE", ("a", "S"), t).version_id == 5
    assert interpret_field("MY_WRAPPER", ("a",), t).elem_size == 8
    assert extend_table({}) is VMSTATE_MACROS


def test_table_covers_the_documented_families() -> None:
    for name in (
        "VMSTATE_QTAILQ_V",
        "VMSTATE_GTREE_V",
        "VMSTATE_QLIST_V",
        "VMSTATE_BITMAP",
        "VMSTATE_VSTRUCT_V",
        "VMSTATE_UNUSED_VARRAY_UINT32",
        "VMSTATE_CPUDOUBLE_ARRAY",
        "VMSTATE_USB_DEVICE",
        "VMSTATE_I2C_SLAVE",
        "VMSTATE_TIMER_PTR_ARRAY",
        "VMSTATE_UINTTL",
        "VMSTATE_CPU",
        "SHPC_VMSTATE",
    ):
        assert name in VMSTATE_MACROS, name
    assert len(macros.VMSTATE_SOURCES) > 20


def test_prop_specs() -> None:
    assert prop_spec("DEFINE_PROP_BIT64").bit == 3
    assert prop_spec("DEFINE_PROP_BIT64").default == 4
    assert prop_spec("DEFINE_PROP_STRING").default is None
    assert prop_spec("DEFINE_PROP_SOMETHING_NEW").default == 3


# The 15 types only the dump renderer knew before both used macros.C_TYPE_SIZES.
_RENDER_ONLY_TYPES = {
    "unsigned char": 1, "signed char": 1, "short": 2, "unsigned": 4, "unsigned int": 4,
    "float": 4, "float32": 4, "double": 8, "long": 8, "unsigned long": 8, "size_t": 8,
    "hwaddr": 8, "ram_addr_t": 8, "MACAddr": 6, "Int128": 16,
}


@pytest.mark.parametrize(("ctype", "size"), sorted(_RENDER_ONLY_TYPES.items()))
def test_sizeof_knows_every_base_type(ctype: str, size: int) -> None:
    assert macros.sizeof_type(ctype) == size
    # the extractor's wire size of a buffer of that size is the same number
    f = interpret_field("VMSTATE_UNUSED_BUFFER", ("NULL", "0", f"sizeof({ctype})"))
    assert (f.info, f.elem_size) == ("unused", size)


def test_sizeof_qualifiers_pointers_and_structs() -> None:
    assert macros.sizeof_type("const uint32_t") == 4
    assert macros.sizeof_type("volatile  int") == 4
    assert macros.sizeof_type("struct Foo *") == macros.POINTER_SIZE == 8
    assert macros.sizeof_type("char*") == 8
    assert macros.sizeof_type("struct Foo") is None
    assert macros.sizeof_type("typeof_field(S, f)") is None


def test_size_value_evaluates_what_the_dump_prints() -> None:
    assert macros.size_value("sizeof(uint16_t) * 4") == 8
    assert macros.size_value("sizeof(Int128) + QEMU_BUILD_BUG_ON_ZERO(sizeof(x) != 4)") == 16
    assert macros.size_value("type_check_array(a, b, c) + 3") == 3
    assert macros.size_value("N * sizeof(hwaddr)", {"N": 2}.get) == 16
    assert macros.size_value("sizeof(FooState)") is None
    assert macros.size_value("M", {}.get) is None


def test_no_test_spellings() -> None:
    for text in ("NULL", "(NULL)", "0", "", "(void *)0", "((void*) 0)"):
        assert macros.no_test(text), text
    assert not macros.no_test("foo_needed")


def test_interpret_members_reads_a_designated_initializer() -> None:
    mm = {
        "name": "(stringify(regs[NB]))",
        "version_id": "(V)",
        "field_exists": "(void *)0",
        "num": "(NB)",
        "size": "sizeof(uint32_t)",
        "flags": "VMS_ARRAY",
        "vmsd": "&(vmstate_x)",
        "offset": "vmstate_offset_array(S, regs, uint32_t, NB)",
    }
    f = macros.interpret_members(mm, {"NB": 4}.get)
    assert (f.name, f.version_id, f.version_resolved, f.test) == ("regs[NB]", 0, False, None)
    assert (f.count, f.count_value, f.dump_size_expr, f.vmsd_ref) == (
        "NB", 4, "sizeof(uint32_t)", "vmstate_x"
    )
    assert (f.struct, f.c_field, "array" in f.flags) == ("S", "regs", True)
    # the dump renderer expands object-like macros inside stringify() as cpp does
    g = macros.interpret_members(mm, {"NB": 4, "V": 2}.get, lambda t: t.replace("NB", "4"))
    assert (g.name, g.version_id, g.version_resolved) == ("regs[4]", 2, True)
    t = macros.interpret_members({"name": "tostring(x)", "flags": "VMS_SINGLE"})
    assert t.name == "x"


def test_symbolic_and_slow_paths_agree_on_unresolved_versions() -> None:
    fast = interpret_field("VMSTATE_UINT32_V", ("x", "S", "SOME_VERSION"))
    arity, members = VMSTATE_MACROS["VMSTATE_UINT32_V"]
    table = {"VMSTATE_UINT32_V": (arity, members)}  # a new template object: no fast path
    slow = interpret_field("VMSTATE_UINT32_V", ("x", "S", "SOME_VERSION"), table=table)
    assert fast == slow
    assert (fast.version_id, fast.version_expr, fast.version_resolved) == (0, "SOME_VERSION", False)
