// fixture-tree: compat
/* Foo PCIe device (migcheck fixture: MIG033 cap_added, like 9ea02e8f1/010746ae1d) */
// fixture-path: hw/misc/foo_pcie.c
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"

static void foo_pcie_realize(PCIDevice *pdev, Error **errp)
{
    FooPcieState *s = FOO_PCIE(pdev);

    pcie_endpoint_cap_init(pdev, 0x80);
    msix_init_exclusive_bar(pdev, 2, 1, errp);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, 0x1100);
}
