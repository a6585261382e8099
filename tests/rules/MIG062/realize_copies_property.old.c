/* APIC common state (migcheck fixture: MIG062 realize_copies_property) */
// fixture-path: hw/intc/apic_common.c
#include "qemu/osdep.h"
#include "hw/i386/apic_internal.h"

void apic_init_reset(DeviceState *dev)
{
    APICCommonState *s = APIC_COMMON(dev);

    s->tpr = 0;
    s->wait_for_sipi = s->conf.sipi;
}

static const VMStateDescription vmstate_apic_common = {
    .name = "apic",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(apicbase, APICCommonState),
        VMSTATE_UINT8(tpr, APICCommonState),
        VMSTATE_END_OF_LIST()
    }
};
