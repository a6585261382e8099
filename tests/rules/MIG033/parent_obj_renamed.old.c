// fixture-tree: compat
/* Bar PCI device (migcheck fixture: MIG033 parent_obj_renamed, like dc4aa51ba8bb/af21c7403902):
 * the PCIDevice member is renamed and written another way; BAR 1 grows. */
// fixture-path: hw/misc/bar_pci.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

typedef struct BarState {
    PCIDevice dev;
    MemoryRegion io, mmio, ram;
} BarState;

static void bar_realize(PCIDevice *pci_dev, Error **errp)
{
    BarState *s = BAR_PCI(pci_dev);
    uint8_t *pci_conf = s->dev.config;

    pci_config_set_interrupt_pin(pci_conf, 1);
    pci_set_word(&pci_conf[PCI_SUBSYSTEM_ID], 0x1100);
    pci_set_byte(s->dev.wmask + PCI_INTERRUPT_LINE, 0);
    pci_register_bar(&s->dev, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    pci_register_bar(&s->dev, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    pci_register_bar(&s->dev, 2, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->ram);
    msi_init(&s->dev, 0x70, 1, true, false, errp);
}
