#include "hw/boards.h"

static void pc_i440fx_machine_options(MachineClass *m)
{
    m->family = "pc_piix";
}

static void pc_i440fx_2_5_machine_options(MachineClass *m)
{
    pc_i440fx_machine_options(m);
    m->alias = "pc";
}

DEFINE_I440FX_MACHINE(v2_5, "pc-i440fx-2.5", NULL, pc_i440fx_2_5_machine_options);

static void pc_i440fx_2_4_machine_options(MachineClass *m)
{
    pc_i440fx_2_5_machine_options(m);
    compat_props_add(m->compat_props, hw_compat_2_4, hw_compat_2_4_len);
}

DEFINE_I440FX_MACHINE(v2_4, "pc-i440fx-2.4", NULL, pc_i440fx_2_4_machine_options);

// expect: MIG036
static void pc_i440fx_2_3_machine_options(MachineClass *m)
{
    pc_i440fx_machine_options(m);
    compat_props_add(m->compat_props, hw_compat_2_3, hw_compat_2_3_len);
}

/* pc-i440fx-2.3 no longer gets hw_compat_2_4 */
// expect: MIG039
DEFINE_I440FX_MACHINE(v2_3, "pc-i440fx-2.3", NULL, pc_i440fx_2_3_machine_options);
