/* xhci realize (migcheck fixture: MIG033, from 058fdcf52cdb) */
// fixture-path: hw/usb/hcd-xhci.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"

static int usb_xhci_initfn(struct PCIDevice *dev)
{
    XHCIState *xhci = XHCI(dev);
    int ret;

    pci_register_bar(dev, 0,
                     PCI_BASE_ADDRESS_SPACE_MEMORY|PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &xhci->mem);

    ret = pcie_endpoint_cap_init(dev, 0xa0);
    assert(ret >= 0);

    if (xhci->flags & (1 << XHCI_FLAG_USE_MSI)) {
        msi_init(dev, 0x70, xhci->numintrs, true, false);
    }
    msix_init(dev, xhci->numintrs,
              &xhci->mem, 0, OFF_MSIX_TABLE,
              &xhci->mem, 0, OFF_MSIX_PBA,
              0x90);

    return 0;
}
