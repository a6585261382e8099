/* Board DSDT builder (migcheck fixture: MIG076: a device removed, another added) */
// fixture-path: hw/i386/acpi-build.c
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"

static void build_isa_devices_aml(Aml *table)
{
    Aml *scope = aml_scope("_SB.PCI0.ISA");
    Aml *dev;

    dev = aml_device("VGEN");
    aml_append(dev, aml_name_decl("_HID", aml_string("QEMUVGID"))); // ok: MIG076
    aml_append(scope, dev);
    aml_append(table, scope);
}
