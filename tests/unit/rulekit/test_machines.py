"""Machine types of a board file and what their option functions set and reach."""

from __future__ import annotations

from bot.model.extract import extract_file
from bot.rulekit.machines import FileFunctions, defined_machines, is_versioned_hook

BOARD = """\
static void pc_i440fx_3_1_machine_options(MachineClass *m)
{
    pc_i440fx_4_0_machine_options(m);
    m->smbus_no_migration_support = true; /* old stream */
}
DEFINE_I440FX_MACHINE(v3_1, "pc-i440fx-3.1", NULL,
                      pc_i440fx_3_1_machine_options);

static void helper(MachineClass *m)
{
    pc_i440fx_3_1_machine_options(m);
}

static void frozen_machine_options(MachineClass *mc)
{
    helper(mc);
    mc->desc = "frozen";
}
DEFINE_PC_MACHINE(frozen, "frozen", pc_init, frozen_machine_options);

static void xenfv_machine_options(MachineClass *m)
{
    m->max_cpus = 128;
}
DEFINE_PC_MACHINE(xenfv, "xenfv", pc_xen_hvm_init, xenfv_machine_options);
"""


def test_machines_writes_and_reach() -> None:
    model = extract_file("hw/i386/pc_piix.c", BOARD.encode())
    fns = FileFunctions(BOARD, model)
    machines = {m.name: m for m in defined_machines(model, fns.names())}
    assert set(machines) == {"pc-i440fx-3.1", "frozen", "xenfv"}
    assert machines["pc-i440fx-3.1"].versioned and not machines["xenfv"].versioned
    assert machines["frozen"].options == "frozen_machine_options"
    assert fns.writes("pc_i440fx_3_1_machine_options") == {"smbus_no_migration_support": "true"}
    # reached through a helper, so `frozen` gets what 3.1's hook sets; xenfv reaches nothing
    assert "pc_i440fx_3_1_machine_options" in fns.closure("frozen_machine_options")
    assert fns.closure("xenfv_machine_options") == {"xenfv_machine_options"}
    assert fns.first_param("frozen_machine_options") == "mc"
    assert FileFunctions.members_written_in(BOARD) >= {"smbus_no_migration_support", "desc"}


def test_versioned_hook_spellings() -> None:
    assert is_versioned_hook("pc_i440fx_3_1_machine_options")
    assert is_versioned_hook("virt_machine_10_2_options")
    assert is_versioned_hook("ccw_machine_2_10_instance_options")
    assert not is_versioned_hook("xenfv_machine_options")
    assert not is_versioned_hook("pc_i440fx_machine_options")
