/* PC DSDT builder (migcheck fixture: MIG076, minimised from 0a343a5add75 (the fix)) */
// fixture-path: hw/i386/acpi-build.c
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"

static void build_dsdt(GArray *table_data, AcpiMiscInfo *misc, PCMachineState *pcms)
{
    Aml *dsdt, *sb_scope, *dev;

    dsdt = init_aml_allocator();
    if (misc->is_piix4) {
        sb_scope = aml_scope("_SB");
        dev = aml_device("PCI0");
        aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
        aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
        aml_append(dev, aml_name_decl("_UID", aml_int(1)));
        aml_append(sb_scope, dev);
        aml_append(dsdt, sb_scope);
    } else {
        sb_scope = aml_scope("_SB");
        dev = aml_device("PCI0");
        aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A08")));
        aml_append(dev, aml_name_decl("_CID", aml_eisaid("PNP0A03")));
        aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
        aml_append(dev, aml_name_decl("_UID", aml_int(1)));
        aml_append(sb_scope, dev);
        aml_append(dsdt, sb_scope);
    }
}
