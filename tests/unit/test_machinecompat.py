"""bot.rulekit.machinecompat: effective compat sets of machine types, on hostile input too."""

from __future__ import annotations

from bot.model.defines import DefineTable
from bot.model.extract import extract_file
from bot.rulekit import machinecompat as MC


def _machines(text: str, path: str = "hw/i386/pc_piix.c") -> dict[str, MC.Machine]:
    model = extract_file(path, text.encode())
    table = DefineTable({path: model})

    def resolve(expr: str, seen_from: str) -> str | None:
        got = table.eval_expr(expr, seen_from)
        return got[0] if got else None

    arrays = MC.arrays_lookup((a.name, a.entries) for a in model.compat_arrays)
    src = MC.MacroSource(MC.defines_lookup([model], None), arrays, resolve)
    return MC.machine_compat(path, text, model, src)


NESTED = """
#define TYPE_FOO "foo-dev"
#define PC_COMPAT_1_1 { .driver = TYPE_FOO, .property = "x", .value = stringify(1) }
#define PC_COMPAT_1_0 PC_COMPAT_1_1, { "bar", "y", "off" }
static QEMUMachine pc_machine_v1_1 = {
    .name = "pc-1.1",
    .compat_props = (GlobalProperty[]) { PC_COMPAT_1_1, { /* end */ } },
};
static QEMUMachine pc_machine_v1_0 = {
    .name = "pc-1.0",
    .compat_props = (GlobalProperty[]) { PC_COMPAT_1_0, { /* end */ } },
};
static QEMUMachine isapc_machine = { .name = "isapc" };
"""


def test_nested_macros_resolve_drivers_and_values() -> None:
    got = _machines(NESTED)
    assert set(got) == {"pc-1.1", "pc-1.0"}  # unversioned isapc is left out
    assert got["pc-1.1"].entries == {MC.Entry("prop", "foo-dev", "x", "1")}
    assert got["pc-1.0"].entries == {
        MC.Entry("prop", "foo-dev", "x", "1"),
        MC.Entry("prop", "bar", "y", "off"),
    }
    assert not got["pc-1.0"].truncated


def test_macro_cycle_is_cut_and_marked() -> None:
    text = """
#define PC_COMPAT_1_0 PC_COMPAT_0_15, { "a", "b", "c" }
#define PC_COMPAT_0_15 PC_COMPAT_1_0
static QEMUMachine m = {
    .name = "pc-1.0",
    .compat_props = (GlobalProperty[]) { PC_COMPAT_1_0, { } },
};
"""
    got = _machines(text)["pc-1.0"]
    assert MC.Entry("prop", "a", "b", "c") in got.entries
    assert got.truncated


def test_function_cycle_and_compat_calls() -> None:
    text = """
static bool gigabyte_align = true;
static void pc_compat_1_7(MachineState *m)
{
    gigabyte_align = false;
    x86_cpu_compat_disable_kvm_features(FEAT_1_ECX, CPUID_EXT_X2APIC);
    pc_compat_1_6(m);
}
static void pc_compat_1_6(MachineState *m)
{
    pc_compat_1_7(m);
}
static void pc_init_1_6(MachineState *m)
{
    int local = 3;
    pc_compat_1_6(m);
}
static QEMUMachine m = { .name = "pc-i440fx-1.6", .init = pc_init_1_6 };
"""
    got = _machines(text)["pc-i440fx-1.6"].entries
    assert got == {
        MC.Entry("knob", "gigabyte_align", "", "false"),
        MC.Entry("call", "x86_cpu_compat_disable_kvm_features", "",
                 "FEAT_1_ECX, CPUID_EXT_X2APIC"),
    }  # fmt: skip


def test_huge_list_is_bounded() -> None:
    entries = ",".join(f'{{ "d{i}", "p", "1" }}' for i in range(MC.MAX_ENTRIES + 50))
    text = f"""
static QEMUMachine m = {{
    .name = "pc-1.0",
    .compat_props = (GlobalProperty[]) {{ {entries}, {{ }} }},
}};
"""
    got = _machines(text)["pc-1.0"]
    assert got.truncated
    assert len(got.entries) <= MC.MAX_ENTRIES + 1


def test_deep_macro_chain_is_bounded() -> None:
    lines = [f"#define PC_COMPAT_1_{i} PC_COMPAT_1_{i + 1}" for i in range(MC.MAX_DEPTH + 5)]
    lines.append(f'#define PC_COMPAT_1_{MC.MAX_DEPTH + 5} {{ "a", "b", "c" }}')
    text = (
        "\n".join(lines)
        + """
static QEMUMachine m = {
    .name = "pc-1.0",
    .compat_props = (GlobalProperty[]) { PC_COMPAT_1_0, { } },
};
"""
    )
    got = _machines(text)["pc-1.0"]
    assert got.truncated and not got.entries


def test_define_machine_options_chain() -> None:
    text = """
static void pc_i440fx_2_4_machine_options(MachineClass *m)
{
    m->alias = NULL;
}
static void pc_i440fx_2_3_machine_options(MachineClass *m)
{
    pc_i440fx_2_4_machine_options(m);
    SET_MACHINE_COMPAT(m, PC_COMPAT_2_3);
}
#define PC_COMPAT_2_3 { "virtio-net-pci", "any_layout", "off" }
DEFINE_I440FX_MACHINE(v2_4, "pc-i440fx-2.4", pc_init_pci_2_4, pc_i440fx_2_4_machine_options);
DEFINE_I440FX_MACHINE(v2_3, "pc-i440fx-2.3", pc_init_pci_2_3, pc_i440fx_2_3_machine_options);
"""
    got = _machines(text)
    assert got["pc-i440fx-2.4"].entries == frozenset()
    assert got["pc-i440fx-2.3"].entries == {MC.Entry("prop", "virtio-net-pci", "any_layout", "off")}


def test_family_and_version() -> None:
    assert MC.machine_version("pc-0.13") == ("pc-i440fx", (0, 13))
    assert MC.machine_version("pc-i440fx-2.3") == ("pc-i440fx", (2, 3))
    assert MC.machine_version("s390-ccw-virtio-2.4") == ("s390-ccw-virtio", (2, 4))
    assert MC.machine_version("xenfv") is None


def test_board_change_only_for_changed_board_files() -> None:
    from bot.diff.boards import board_change

    old = b'static QEMUMachine m = { .name = "pc-0.13", .init = pc_init_old };\n'
    new = b'static QEMUMachine m = { .name = "pc-0.13", .init = pc_init_new };\n'
    (ch,) = board_change("hw/pc_piix.c", old, new)
    assert (ch.kind, ch.op, ch.path) == ("board", "modified", "hw/pc_piix.c")
    assert board_change("hw/pc_piix.c", old, old) == ()  # unchanged
    assert board_change("hw/misc/foo.c", b"int a;", b"int b;") == ()  # no machine types
    assert board_change("hw/pc_piix.c", None, new) == ()  # added file
    assert board_change("include/hw/boards.h", old, new) == ()  # not a board file
