/* Foo RNG proxies (migcheck fixture: MIG032 subtype_only, like 62bdb88715) */
#include "qemu/osdep.h"
#include "hw/qdev-properties.h"

#define TYPE_FOO_RNG_BASE "foo-rng-pci-base"

static const Property foo_rng_properties[] = {
    DEFINE_PROP_UINT32("vectors", FooRngPCI, vectors, 0),
};

static void foo_rng_base_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_rng_properties);
}

static const TypeInfo foo_rng_types[] = {
    {
        .name = TYPE_FOO_RNG_BASE,
        .parent = TYPE_PCI_DEVICE,
        .abstract = true,
        .class_init = foo_rng_base_class_init,
    }, {
        .name = "foo-rng-pci",
        .parent = TYPE_FOO_RNG_BASE,
    }, {
        .name = "foo-rng-pci-transitional",
        .parent = TYPE_FOO_RNG_BASE,
    },
};
