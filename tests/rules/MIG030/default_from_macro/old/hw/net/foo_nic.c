/* Foo NIC (migcheck fixture) */
#include "qemu/osdep.h"
#include "hw/pci/pci_device.h"
#include "hw/qdev-properties.h"

#define TYPE_FOO_NIC "foo-nic"
#define FOO_NIC_VECTORS 2

static const Property foo_nic_properties[] = {
    DEFINE_PROP_UINT32("vectors", FooNicState, vectors, FOO_NIC_VECTORS),
    DEFINE_PROP_BOOL("x-pcie-flr", FooNicState, flr, false),
};

static void foo_nic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_nic_properties);
}

static const TypeInfo foo_nic_info = {
    .name = TYPE_FOO_NIC,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo_nic_class_init,
};
