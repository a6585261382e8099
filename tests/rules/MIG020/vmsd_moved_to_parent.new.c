/* Sound card family (migcheck fixture: MIG020 vmsd_moved_to_parent, like 062db7402304):
 * dc->vmsd moves from a shared helper to an abstract parent every variant inherits (ok);
 * the "bar" variant loses its own vmsd and its new parent has none (expect). */
// fixture-path: hw/audio/foo_hda.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"

#define TYPE_FOO_HDA_GENERIC "foo-hda-generic"
#define TYPE_BAR_HDA_BASE "bar-hda-base"

static const VMStateDescription vmstate_foo_hda = {
    .name = "foo-hda",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(g_ctl, FooHdaState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_bar_hda = {
    .name = "bar-hda",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(g_ctl, FooHdaState),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_hda_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_hda;
}

static void foo_hda_class_init_ich6(ObjectClass *klass, void *data) // ok: MIG020
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "ich6";
}

static void foo_hda_class_init_ich9(ObjectClass *klass, void *data) // ok: MIG020
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "ich9";
}

static void bar_hda_base_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "bar base";
}

static void bar_hda_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "bar";
}

static const TypeInfo foo_hda_info = {
    .name          = TYPE_FOO_HDA_GENERIC,
    .parent        = TYPE_PCI_DEVICE,
    .class_init    = foo_hda_class_init,
    .abstract      = true,
};

static const TypeInfo foo_hda_info_ich6 = {
    .name          = "foo-hda",
    .parent        = TYPE_FOO_HDA_GENERIC,
    .class_init    = foo_hda_class_init_ich6,
};

static const TypeInfo foo_hda_info_ich9 = {
    .name          = "ich9-foo-hda",
    .parent        = TYPE_FOO_HDA_GENERIC,
    .class_init    = foo_hda_class_init_ich9,
};

static const TypeInfo bar_hda_base_info = {
    .name          = TYPE_BAR_HDA_BASE,
    .parent        = TYPE_PCI_DEVICE,
    .class_init    = bar_hda_base_class_init,
    .abstract      = true,
};

static const TypeInfo bar_hda_info = {
    .name          = "bar-hda",
    .parent        = TYPE_BAR_HDA_BASE,
    .class_init    = bar_hda_class_init,
};
