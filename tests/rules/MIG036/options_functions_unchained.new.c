/*
 * i440fx machine types, 2015 style: options macros chained into each other
 * (migcheck fixture: MIG036 options_functions_unchained, from fddd179ab962 pc_piix.c)
 */
// fixture-path: hw/i386/pc_piix.c
#include "qemu/osdep.h"
#include "hw/i386/pc.h"

static void pc_i440fx_machine_options(QEMUMachine *m)
{
    pc_default_machine_options(m);
    m->family = "pc_piix";
    m->desc = "Standard PC (i440FX + PIIX, 1996)";
}

static void pc_i440fx_2_4_machine_options(QEMUMachine *m) // ok: MIG036
{
    pc_i440fx_machine_options(m);
    m->default_machine_opts = "firmware=bios-256k.bin";
    m->default_display = "std";
    m->alias = "pc";
    m->is_default = 1;
}

DEFINE_PC_MACHINE(v2_4, "pc-i440fx-2.4", pc_init_pci,
                  pc_i440fx_2_4_machine_options, /* no compat */)

static void pc_i440fx_2_3_machine_options(QEMUMachine *m) // expect: MIG036
{
    pc_i440fx_machine_options(m);
    m->alias = NULL;
    m->is_default = 0;
}

DEFINE_PC_MACHINE(v2_3, "pc-i440fx-2.3", pc_init_pci_2_3,
                  pc_i440fx_2_3_machine_options, PC_COMPAT_2_3);

static void pc_i440fx_2_2_machine_options(QEMUMachine *m) // ok: MIG036
{
    pc_i440fx_2_3_machine_options(m);
}

DEFINE_PC_MACHINE(v2_2, "pc-i440fx-2.2", pc_init_pci_2_2,
                  pc_i440fx_2_2_machine_options, PC_COMPAT_2_2);

static void pc_i440fx_2_1_machine_options(QEMUMachine *m) // ok: MIG036
{
    pc_i440fx_2_2_machine_options(m);
    m->default_display = NULL;
}

DEFINE_PC_MACHINE(v2_1, "pc-i440fx-2.1", pc_init_pci_2_1,
                  pc_i440fx_2_1_machine_options, PC_COMPAT_2_1);

/* not chained before the change either (a macro that did not expand 2.1's) */
static void pc_i440fx_2_0_machine_options(QEMUMachine *m) // ok: MIG036
{
    pc_i440fx_machine_options(m);
}

DEFINE_PC_MACHINE(v2_0, "pc-i440fx-2.0", pc_init_pci_2_0,
                  pc_i440fx_2_0_machine_options, PC_COMPAT_2_0);
