/*
 * APIC common (migcheck fixture: MIG007 old_subsection_form_ok, minimised from QEMU
 * c2c00148ec54~1 hw/intc/apic_common.c): before 2.5 .subsections was a VMStateSubsection[]
 * ended by VMSTATE_END_OF_LIST(), not by NULL
 */
// fixture-path: hw/intc/apic_common.c
#include "qemu/osdep.h"
#include "hw/i386/apic_internal.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_apic_common = {
    .name = "apic",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(apicbase, APICCommonState),
        VMSTATE_UINT8(id, APICCommonState),
        VMSTATE_INT64(timer_expiry,
                      APICCommonState), /* open-coded timer state */
        VMSTATE_END_OF_LIST()
    }
};
