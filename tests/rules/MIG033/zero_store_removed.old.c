/* Baz PCI device (migcheck fixture: MIG033 zero_store_removed): stores of 0 into config space
 * are dropped. Config space is zero-allocated, so a byte nothing else writes stays 0 (ok);
 * a register the PCI core sets, or one this device writes elsewhere, may not (expect). */
// fixture-path: hw/misc/baz_pci.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"

static void baz_reset(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);

    pci_set_byte(d->config + 0x44, 0); // expect-old: MIG033
}

static void baz_realize(PCIDevice *d, Error **errp)
{
    uint8_t *pci_conf = d->config;

    pci_set_byte(&pci_conf[0x40], 0);
    pci_set_word(pci_conf + PCI_COMMAND, 0x0000); // expect-old: MIG033
    pci_set_byte(pci_conf + 0x44, 0x12);
}
