/* PC board (migcheck fixture: MIG022) */
#include "qemu/osdep.h"
#include "hw/i386/pc.h"

static void pc_xen_platform_init(PCMachineState *pcms)
{
    pci_create_simple(pcms->pcibus, -1, "xen-platform");
}
