"""Effective machine settings through option chains, and their pairing between two sides."""

from __future__ import annotations

from bot.diff.machinesettings import machine_setting_changes
from bot.model.extract import extract_file
from bot.model.machinesettings import MachineSetting, hook_family, machine_settings

PATH = "hw/i386/pc_q35.c"

BASE = """#include "qemu/osdep.h"
#include "hw/boards.h"

static int has_reserved_memory = 1;

static void pc_q35_machine_options(MachineClass *m)
{
    PCMachineClass *pcmc = PC_MACHINE_CLASS(m);
    m->family = "pc_q35";
    pcmc->pci_enabled = true;
}

static void pc_q35_2_4_machine_options(MachineClass *m)
{
    pc_q35_machine_options(m);
    m->default_display = "std";%(v24)s
    m->alias = "q35";
}

static void pc_q35_2_3_machine_options(MachineClass *m)
{
    pc_q35_2_4_machine_options(m);%(v23)s
    m->alias = NULL;
}

static void pc_q35_2_2_machine_options(MachineClass *m)
{
    pc_q35_2_3_machine_options(m);
    has_reserved_memory = 0;
}

static void pc_q35_2_3_instance_options(MachineState *ms)
{
    ms->x = 1;
}
"""


def src(v24: str = "", v23: str = "") -> str:
    return BASE % {"v24": v24, "v23": v23}


def settings(text: str) -> dict[tuple[str, str], MachineSetting]:
    model = extract_file(PATH, text.encode())
    return {(s.hook, s.member): s for s in machine_settings(text, model)}


def changes(old: str, new: str) -> dict[str, tuple[str, str]]:
    om, nm = extract_file(PATH, old.encode()), extract_file(PATH, new.encode())
    out = machine_setting_changes(PATH, old, om, new, nm)
    assert all(c.kind == "machine_setting" and c.op == "modified" for c in out)
    return {
        c.key: (c.old.value, c.new.value)
        for c in out
        if isinstance(c.old, MachineSetting) and isinstance(c.new, MachineSetting)
    }


def test_hook_family_reads_both_naming_styles() -> None:
    assert hook_family("pc_q35_2_3_machine_options") == ("pc_q35", (2, 3))
    assert hook_family("virt_machine_2_7_options") == ("virt_machine", (2, 7))
    assert hook_family("ccw_machine_2_9_class_options") == ("ccw_machine", (2, 9))
    assert hook_family("ccw_machine_2_9_instance_options") is None
    assert hook_family("pc_q35_machine_options") is None


def test_inherited_and_overridden_values() -> None:
    s = settings(src())
    assert s[("pc_q35_2_2_machine_options", "alias")].value == "NULL"
    assert s[("pc_q35_2_4_machine_options", "alias")].value == '"q35"'
    got = s[("pc_q35_2_2_machine_options", "pci_enabled")]
    assert (got.value, got.source, got.via) == ("true", "pc_q35_machine_options", "pcmc->")
    glob = s[("pc_q35_2_2_machine_options", "has_reserved_memory")]
    assert glob.is_global and glob.value == "0"
    assert ("pc_q35_2_3_machine_options", "has_reserved_memory") not in s
    assert not any(h == "pc_q35_2_3_instance_options" for h, _ in s)


def test_setting_in_newest_hook_reaches_every_older_version() -> None:
    got = changes(src(), src(v24="\n    m->no_floppy = 1;"))
    assert got == {
        f"pc_q35_2_{v}_machine_options:no_floppy": ("", "1") for v in (2, 3, 4)
    }


def test_override_in_older_hook_stops_the_change_there() -> None:
    got = changes(src(), src(v24="\n    m->no_floppy = 1;", v23="\n    m->no_floppy = 0;"))
    assert got == {
        "pc_q35_2_4_machine_options:no_floppy": ("", "1"),
        "pc_q35_2_3_machine_options:no_floppy": ("", "0"),
        "pc_q35_2_2_machine_options:no_floppy": ("", "0"),
    }


def test_moving_an_assignment_along_the_chain_is_no_change() -> None:
    old = src(v24="\n    m->no_floppy = 1;")
    new = old.replace("\n    m->no_floppy = 1;", "").replace(
        '    m->family = "pc_q35";', '    m->family = "pc_q35";\n    m->no_floppy = 1;'
    )
    assert changes(old, new) == {}


def test_recursive_chain_terminates() -> None:
    call = "    pc_q35_machine_options(m);"
    text = src().replace(call, call + "\n    pc_q35_2_2_machine_options(m);")
    assert settings(text)[("pc_q35_2_3_machine_options", "alias")].value == "NULL"


def test_hostile_hook_bodies_are_bounded_and_leave_real_hooks_alone() -> None:
    """A series controls these bodies: a long line of `a.b = x` without `;` (quadratic for a
    regex that looks for the `;` from every `=`), thousands of assignments, a hook over the
    size bound. Each gives a bounded answer, and a normal hook beside them still reads."""
    no_semicolon = "a.b = x " * 50_000
    many = "".join(f"g{i} = {i}; g{i}a = 1; g{i}b = 2;\n" for i in range(300))
    huge = "m->big = 1; " + "x" * 40_000 + ";"
    text = (
        "static void pc_q35_9_0_machine_options(MachineClass *m)\n{\n" + no_semicolon + "\n}\n"
        "static void pc_q35_8_2_machine_options(MachineClass *m)\n{\n" + many + "}\n"
        "static void pc_q35_8_1_machine_options(MachineClass *m)\n{\n" + huge + "\n}\n"
        "static void pc_q35_8_0_machine_options(MachineClass *m)\n{\n"
        "    pc_q35_8_2_machine_options(m);\n    m->no_floppy = 1;\n}\n"
    )
    model = extract_file(PATH, text.encode())
    got = machine_settings(text, model)
    by_hook: dict[str, list[MachineSetting]] = {}
    for s in got:
        by_hook.setdefault(s.hook, []).append(s)
    assert "pc_q35_9_0_machine_options" not in by_hook  # no statement, nothing assigned
    assert "pc_q35_8_1_machine_options" not in by_hook  # over the size bound: not read
    assert 0 < len(by_hook["pc_q35_8_2_machine_options"]) <= 256  # assignments read, bounded
    own = {s.member: s for s in by_hook["pc_q35_8_0_machine_options"]}
    assert own["no_floppy"].value == "1"
    assert own["g0"].value == "0" and own["g0"].source == "pc_q35_8_2_machine_options"


def test_changes_of_one_file_are_capped() -> None:
    """A hostile board file: 300 members set in the newest hook, inherited by 20 versions,
    all changed by the series, would be 6,000 changes; 2,000 come back."""
    hooks_old, hooks_new = [], []
    for v in range(20, 0, -1):
        call = f"    pc_q35_9_{v + 1}_machine_options(m);\n" if v < 20 else ""
        old_body = "".join(f"    m->f{i} = 1;\n" for i in range(300)) if v == 20 else ""
        new_body = old_body.replace("= 1;", "= 2;")
        hooks_old.append(f"static void pc_q35_9_{v}_machine_options(MachineClass *m)\n{{\n"
                         f"{call}{old_body}}}\n")
        hooks_new.append(f"static void pc_q35_9_{v}_machine_options(MachineClass *m)\n{{\n"
                         f"{call}{new_body}}}\n")
    old, new = "".join(hooks_old), "".join(hooks_new)
    om, nm = extract_file(PATH, old.encode()), extract_file(PATH, new.encode())
    assert len(machine_setting_changes(PATH, old, om, new, nm)) == 2000
