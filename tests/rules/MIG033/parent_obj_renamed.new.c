// fixture-tree: compat
/* Bar PCI device (migcheck fixture: MIG033 parent_obj_renamed, like dc4aa51ba8bb/af21c7403902):
 * the PCIDevice member is renamed and written another way; BAR 1 grows. */
// fixture-path: hw/misc/bar_pci.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

typedef struct BarState {
    PCIDevice parent_obj;
    MemoryRegion io, mmio, ram;
} BarState;

static void bar_realize(PCIDevice *pci_dev, Error **errp)
{
    BarState *s = BAR_PCI(pci_dev);

    pci_config_set_interrupt_pin(s->parent_obj.config, 1); // ok: MIG033
    pci_set_word(pci_dev->config + PCI_SUBSYSTEM_ID, 0x1100); // ok: MIG033
    pci_set_byte(pci_dev->wmask + PCI_INTERRUPT_LINE, 0xff); // expect: MIG033
    pci_register_bar(pci_dev, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io); // ok: MIG033
    pci_register_bar(PCI_DEVICE(s), 1, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->mmio); // expect: MIG033
    pci_register_bar(PCI_DEVICE(s), 2, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->ram); // ok: MIG033
    msi_init(pci_dev, 0x70, 1, true, false, errp); // ok: MIG033
}
