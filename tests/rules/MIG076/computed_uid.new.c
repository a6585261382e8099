/* ARM virt DSDT builder (migcheck fixture: MIG076: a computed _UID is not a constant) */
// fixture-path: hw/arm/virt-acpi-build.c
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"

static void acpi_dsdt_add_virtio(Aml *scope, const MemMapEntry *virtio_mmio, int num)
{
    int i;

    for (i = 0; i < num; i++) {
        Aml *dev = aml_device("VR%02u", i);
        aml_append(dev, aml_name_decl("_HID", aml_string("LNRO0005")));
        aml_append(dev, aml_name_decl("_UID", aml_int(i + 1))); // ok: MIG076
        aml_append(scope, dev);
    }
}
