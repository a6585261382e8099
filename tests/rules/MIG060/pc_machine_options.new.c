/* pc machine versions (migcheck fixture: MIG060 pc_machine_options) */
// fixture-path: hw/i386/pc_piix.c
#include "qemu/osdep.h"
#include "hw/boards.h"

static void pc_i440fx_2_9_machine_options(MachineClass *m)
{
    pc_i440fx_2_10_machine_options(m);
    compat_props_add(m->compat_props, hw_compat_2_9, hw_compat_2_9_len);
    has_legacy_fw_cfg = true; // expect: MIG060
}
