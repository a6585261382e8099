/* ISA bridge, 2023 (migcheck fixture: MIG020, minimised from 2922dbc28c74): a subclass that
   created its PM unconditionally now reuses the base realize, which already created the same
   PM behind an on-by-default switch; a creation behind a switch new to that path is still
   reported */
// fixture-path: hw/isa/foo.c
#include "hw/pci/pci.h"

#define TYPE_FOO_PM "foo-pm"
#define TYPE_FOO_SMB "foo-smb"
#define TYPE_FOO3 "foo3-isa"
#define TYPE_FOO4 "foo4-isa"

static const VMStateDescription vmstate_foo_pm = {
    .name = "foo_pm",
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctl, FooPmState),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_pm_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_pm;
}

static const TypeInfo foo_pm_info = {
    .name = TYPE_FOO_PM,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo_pm_class_init,
};

static const VMStateDescription vmstate_foo_smb = {
    .name = "foo_smb",
    .version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(st, FooSmbState),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_smb_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_smb;
}

static const TypeInfo foo_smb_info = {
    .name = TYPE_FOO_SMB,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo_smb_class_init,
};

static void pci_foo3_realize(PCIDevice *dev, Error **errp)
{
    FooState *d = FOO_PCI_DEVICE(dev);

    if (d->has_acpi) {
        object_initialize_child(OBJECT(d), "pm", &d->pm, TYPE_FOO_PM);
        qdev_realize(DEVICE(&d->pm), BUS(pci_get_bus(dev)), errp);
    }
}

static Property pci_foo3_props[] = {
    DEFINE_PROP_BOOL("has-acpi", FooState, has_acpi, true),
    DEFINE_PROP_BOOL("has-smb", FooState, has_smb, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void foo3_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = pci_foo3_realize;
    device_class_set_props(dc, pci_foo3_props);
}

static const TypeInfo foo3_info = {
    .name = TYPE_FOO3,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo3_class_init,
};

static void foo4_realize(PCIDevice *dev, Error **errp)
{
    FooState *s = FOO_PCI_DEVICE(dev);

    qdev_realize(DEVICE(&s->pm), BUS(pci_get_bus(dev)), errp);
    qdev_realize(DEVICE(&s->smb), BUS(pci_get_bus(dev)), errp);
}

static void foo4_init(Object *obj)
{
    FooState *s = FOO_PCI_DEVICE(obj);

    // ok: MIG020
    object_initialize_child(obj, "pm", &s->pm, TYPE_FOO_PM);
    // expect-old: MIG020
    object_initialize_child(obj, "smb", &s->smb, TYPE_FOO_SMB);
}

static void foo4_class_init(ObjectClass *klass, void *data)
{
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = foo4_realize;
}

static const TypeInfo foo4_info = {
    .name = TYPE_FOO4,
    .parent = TYPE_PCI_DEVICE,
    .instance_init = foo4_init,
    .class_init = foo4_class_init,
};
