/* s390 machine versions (migcheck fixture: MIG060 instance_options_ok; c76ee1f6255c) */
// fixture-path: hw/s390x/s390-virtio-ccw.c
#include "qemu/osdep.h"
#include "hw/boards.h"

bool css_migration_enabled = true;

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    s390_cpudef_featoff_greater(12, 1, S390_FEAT_ZPCI);
    css_migration_enabled = false; // ok: MIG060
}

static void ccw_machine_2_9_class_options(MachineClass *mc)
{
    ccw_machine_2_10_class_options(mc);
    compat_props_add(mc->compat_props, hw_compat_2_9, hw_compat_2_9_len); // ok: MIG060
}
