/* q35 machine versions (migcheck fixture: MIG061 inherited_setting, from ea96bc629cbd) */
// fixture-path: hw/i386/pc_q35.c
#include "qemu/osdep.h"
#include "hw/boards.h"

static void pc_q35_machine_options(MachineClass *m)
{
    m->family = "pc_q35";
    m->desc = "Standard PC (Q35 + ICH9, 2009)";
    m->hot_add_cpu = pc_hot_add_cpu;
}

static void pc_q35_2_4_machine_options(MachineClass *m)
{
    pc_q35_machine_options(m);
    m->default_machine_opts = "firmware=bios-256k.bin";
    m->default_display = "std";
    m->no_floppy = 1; // expect: MIG061
    m->alias = "q35";
}

DEFINE_Q35_MACHINE(v2_4, "pc-q35-2.4", NULL, pc_q35_2_4_machine_options);

static void pc_q35_2_3_machine_options(MachineClass *m)
{
    pc_q35_2_4_machine_options(m);
    m->alias = NULL;
    SET_MACHINE_COMPAT(m, PC_COMPAT_2_3);
}

DEFINE_Q35_MACHINE(v2_3, "pc-q35-2.3", pc_compat_2_3, pc_q35_2_3_machine_options);

static void pc_q35_2_2_machine_options(MachineClass *m)
{
    pc_q35_2_3_machine_options(m);
    SET_MACHINE_COMPAT(m, PC_COMPAT_2_2);
}

DEFINE_Q35_MACHINE(v2_2, "pc-q35-2.2", pc_compat_2_2, pc_q35_2_2_machine_options);
