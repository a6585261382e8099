/* Foo passthrough (migcheck fixture: MIG032 property_on_subtype, like d5fcf0d960d8) */
#include "qemu/osdep.h"
#include "hw/qdev-properties.h"

static const Property foo_pci_properties[] = {
    DEFINE_PROP_UINT32("x-intx", FooPCI, intx, 1),
};

static const Property foo_pci_nohotplug_properties[] = {
    DEFINE_PROP_BOOL("ramfb", FooPCI, enable_ramfb, false),
    DEFINE_PROP_BOOL("use-legacy-rom", FooPCI, legacy_rom, true),
};

static void foo_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_pci_properties);
}

static void foo_pci_nohotplug_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_pci_nohotplug_properties);
}

static const TypeInfo foo_pci_types[] = {
    {
        .name = "foo-pci",
        .parent = TYPE_PCI_DEVICE,
        .class_init = foo_pci_class_init,
    }, {
        .name = "foo-pci-nohotplug",
        .parent = "foo-pci",
        .class_init = foo_pci_nohotplug_class_init,
    },
};
