/* ROM helper shared by assigned devices (migcheck fixture) */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

void pci_load_rom_helper(PCIDevice *dev, Object *owner)
{
    pci_register_bar(dev, PCI_ROM_SLOT, 0, &dev->rom); // ok: MIG033
}
