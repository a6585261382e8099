/*
 * Sample "foo" PCI device for `migcheck demo`.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/pci/pci_device.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "hw/misc/foo.h"

static void foo_realize(PCIDevice *pci_dev, Error **errp)
{
    FooState *s = FOO_PCI(pci_dev);

    s->status = s->turbo ? 1 : 0;
}

static const VMStateDescription vmstate_foo = {
    .name = "foo-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, FooState),
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(scratch, FooState),
        VMSTATE_UINT32(status, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const Property foo_properties[] = {
    DEFINE_PROP_BOOL("turbo", FooState, turbo, false),
    DEFINE_PROP_UINT32("fifo-size", FooState, fifo_size, 16),
};

static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = foo_realize;
    k->vendor_id = PCI_VENDOR_ID_QEMU;
    k->device_id = 0x11f0;
    dc->vmsd = &vmstate_foo;
    device_class_set_props(dc, foo_properties);
}

static const TypeInfo foo_info = {
    .name          = TYPE_FOO_PCI,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(FooState),
    .class_init    = foo_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void foo_register_types(void)
{
    type_register_static(&foo_info);
}

type_init(foo_register_types)
