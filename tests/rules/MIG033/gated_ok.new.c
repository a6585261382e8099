/* Foo PCIe device (migcheck fixture: MIG033 gated_ok, like 5ed3dabe57) */
// fixture-path: hw/misc/foo_pcie.c
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"

static void foo_pcie_realize(PCIDevice *pdev, Error **errp)
{
    FooPcieState *s = FOO_PCIE(pdev);

    pcie_endpoint_cap_init(pdev, 0x80);
    if (s->x_aer) {
        pcie_aer_init(pdev, PCI_ERR_VER, 0x100, PCI_ERR_SIZEOF, errp); // ok: MIG033
    }
}
