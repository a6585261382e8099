/* ACPI GED (migcheck fixture: MIG009 static_namesake_ok, minimised from 745315784db4): a new
 * static vmstate_pcihp_state named 'acpi-ged/pcihp' under 'acpi-ged'. ich9.c's static
 * namesake lists its own vmsd, not this one: no 'ich9_pm/' prefix is wanted. */
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_acpi_ged = {
    .name = "acpi-ged",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(ged_state.sel, AcpiGedState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        NULL
    }
};
