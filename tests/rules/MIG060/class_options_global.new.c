/* s390 machine versions (migcheck fixture: MIG060 class_options_global; a55ae46683f2) */
// fixture-path: hw/s390x/s390-virtio-ccw.c
#include "qemu/osdep.h"
#include "hw/boards.h"

bool css_migration_enabled = true;

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    s390_cpudef_featoff_greater(12, 1, S390_FEAT_ZPCI);
}

static void ccw_machine_2_9_class_options(MachineClass *mc)
{
    int unused_local;

    unused_local = 0; // ok: MIG060
    ccw_machine_2_10_class_options(mc);
    compat_props_add(mc->compat_props, hw_compat_2_9, hw_compat_2_9_len);
    mc->default_cpu_type = NULL; // ok: MIG060
    css_migration_enabled = false; // expect: MIG060
}
DEFINE_CCW_MACHINE(2_9, "2.9", false);
