/* RISC-V virt DSDT builder (migcheck fixture: MIG076, like faacd2e6b6: no versioned machines) */
// fixture-path: hw/riscv/virt-acpi-build.c
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"

static void acpi_dsdt_add_uart(Aml *scope, const MemMapEntry *uart_memmap, uint32_t irq)
{
    Aml *dev = aml_device("COM0");
    aml_append(dev, aml_name_decl("_HID", aml_string("RSCV0003"))); // expect: MIG076
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    aml_append(scope, dev);
}
