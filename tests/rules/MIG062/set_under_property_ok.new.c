/* APIC common state (migcheck fixture: MIG062 set_under_property_ok, from 0a7ac9f9e722) */
// fixture-path: hw/intc/apic_common.c
#include "qemu/osdep.h"
#include "hw/i386/apic_internal.h"

void apic_init_reset(DeviceState *dev)
{
    APICCommonState *s = APIC_COMMON(dev);

    s->tpr = 0;
    if (s->sipi_quirk) {
        s->wait_for_sipi = true;
    }
}

static bool apic_common_sipi_needed(void *opaque) // ok: MIG062 (set only when a quirk property asks)
{
    APICCommonState *s = APIC_COMMON(opaque);
    return s->wait_for_sipi != 0;
}

static const VMStateDescription vmstate_apic_common_sipi = {
    .name = "apic/sipi",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_INT32(sipi_vector, APICCommonState),
        VMSTATE_INT32(wait_for_sipi, APICCommonState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_apic_common = {
    .name = "apic",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(apicbase, APICCommonState),
        VMSTATE_UINT8(tpr, APICCommonState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (VMStateSubsection[]) {
        {
            .vmsd = &vmstate_apic_common_sipi,
            .needed = apic_common_sipi_needed,
        },
        VMSTATE_END_OF_LIST()
    }
};
