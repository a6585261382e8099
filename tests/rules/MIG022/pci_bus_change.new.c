/* Board (migcheck fixture: MIG022 pci_bus_change) */
// fixture-path: hw/i386/pc_q35.c
#include "qemu/osdep.h"

static void pc_q35_init(MachineState *machine)
{
    PCIBus *host_bus = pcms->pcibus;

    pci_create_simple(pcms->bridge_bus, -1, "foo-watchdog"); // expect: MIG022
}
