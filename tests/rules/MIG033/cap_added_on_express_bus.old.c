// fixture-tree: compat
/* vmxnet3-like realize (migcheck fixture: MIG033, shape of f713d4d2f1b9) */
// fixture-path: hw/net/foonet.c
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"

#define TYPE_PCI_DEVICE "pci-device" /* include/hw/pci/pci_device.h */
#define TYPE_FOONET "foonet"
OBJECT_DECLARE_SIMPLE_TYPE(FooNetState, FOONET)

#define FOONET_EXP_EP_OFFSET 0x48
#define FOONET_AER_OFFSET 0x100

struct FooNetState {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    bool x_aer;
};

static void foonet_pci_realize(PCIDevice *pci_dev, Error **errp)
{
    FooNetState *s = FOONET(pci_dev);

    pci_register_bar(pci_dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->bar0);
    msi_init(pci_dev, 0x50, 1, true, false, errp);
}

static const Property foonet_properties[] = {
    DEFINE_PROP_BOOL("x-aer", FooNetState, x_aer, true),
};

static void foonet_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = foonet_pci_realize;
    device_class_set_props(dc, foonet_properties);
}

static const TypeInfo foonet_info = {
    .name          = TYPE_FOONET,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(FooNetState),
    .class_init    = foonet_class_init,
};
