/* Channel subsystem state (migcheck fixture: MIG020 registration_gate_moved_in;
 * a55ae46683f2 moved the caller's `if (css_migration_enabled())` into the helper) */
// fixture-path: hw/s390x/css.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_css = {
    .name = "s390_css",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(max_cssid, ChannelSubSys),
        VMSTATE_END_OF_LIST()
    },
};

void css_register_vmstate(void)
{
    if (css_migration_enabled) {
        vmstate_register(NULL, 0, &vmstate_css, &channel_subsys); // ok: MIG020
    }
}

void ccw_init(MachineState *machine)
{
    css_register_vmstate();
}
