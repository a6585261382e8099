/* vmxnet3-like realize (migcheck fixture: MIG033, shape of f713d4d2f1b9) */
// fixture-path: hw/net/foonet.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"

#define FOONET_EXP_EP_OFFSET 0x48
#define FOONET_AER_OFFSET 0x100

static void foonet_pci_realize(PCIDevice *pci_dev, Error **errp)
{
    FooNetState *s = FOONET(pci_dev);

    pci_register_bar(pci_dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->bar0);
    msi_init(pci_dev, 0x50, 1, true, false, errp);

    /* the bus decides, not a property: every q35 machine type gets the capability */
    if (pci_is_express(pci_dev) && pci_bus_is_express(pci_get_bus(pci_dev))) {
        pcie_endpoint_cap_init(pci_dev, FOONET_EXP_EP_OFFSET); // expect: MIG033
    }
    /* a property and the bus decide: gated */
    if (s->x_aer && pci_bus_is_express(pci_get_bus(pci_dev))) {
        pcie_aer_init(pci_dev, PCI_ERR_VER, FOONET_AER_OFFSET, PCI_ERR_SIZEOF, errp); // ok: MIG033
    }
}
