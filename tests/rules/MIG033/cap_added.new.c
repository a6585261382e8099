// fixture-tree: compat
/* Foo PCIe device (migcheck fixture: MIG033 cap_added, like 9ea02e8f1/010746ae1d) */
// fixture-path: hw/misc/foo_pcie.c
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"

#define TYPE_PCI_DEVICE "pci-device" /* include/hw/pci/pci_device.h */
#define TYPE_FOO_PCIE "foo-pcie"
OBJECT_DECLARE_SIMPLE_TYPE(FooPcieState, FOO_PCIE)

struct FooPcieState {
    PCIDevice parent_obj;

    uint32_t vectors;
};

static void foo_pcie_realize(PCIDevice *pdev, Error **errp)
{
    FooPcieState *s = FOO_PCIE(pdev);

    pcie_endpoint_cap_init(pdev, 0x80);
    msix_init_exclusive_bar(pdev, 4, 1, errp); // expect: MIG033
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, 0x1100);
    pcie_aer_init(pdev, PCI_ERR_VER, 0x100, PCI_ERR_SIZEOF, errp); // expect: MIG033
}

static void foo_pcie_other_realize(PCIDevice *pdev, Error **errp)
{
    pcie_aer_init(pdev, PCI_ERR_VER, 0x100, PCI_ERR_SIZEOF, errp); // ok: MIG033
}

static const Property foo_pcie_properties[] = {
    DEFINE_PROP_UINT32("vectors", FooPcieState, vectors, 2),
};

static void foo_pcie_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = foo_pcie_realize;
    device_class_set_props(dc, foo_pcie_properties);
}

static const TypeInfo foo_pcie_info = {
    .name          = TYPE_FOO_PCIE,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(FooPcieState),
    .class_init    = foo_pcie_class_init,
};
