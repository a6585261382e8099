/* Foo PCIe device (migcheck fixture: MIG033 gated_ok, like 5ed3dabe57) */
// fixture-path: hw/misc/foo_pcie.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"

static void foo_pcie_realize(PCIDevice *pdev, Error **errp)
{
    FooPcieState *s = FOO_PCIE(pdev);

    pcie_endpoint_cap_init(pdev, 0x80);
}
