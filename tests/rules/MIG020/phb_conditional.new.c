/* s390-ccw board, 2017 (migcheck fixture: MIG020, minimised from d32bd032d8fd): a PCI host
   bridge has no vmsd, but its root bus sends a "PCIBUS" section; a stateless sysbus device
   made conditional is no finding */
// fixture-path: hw/s390x/s390-virtio-ccw.c
#include "hw/pci/pci_host.h"

#define TYPE_FOO_PHB "foo-pcihost"
#define TYPE_FOO_LED "foo-led"

static Property foo_phb_properties[] = {
    DEFINE_PROP_BOOL("x-config-reg-migration-enabled", FooPhbState, migrate_cfg, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void foo_phb_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_phb_properties);
}

static const TypeInfo foo_phb_info = {
    .name          = TYPE_FOO_PHB,
    .parent        = TYPE_PCI_HOST_BRIDGE,
    .class_init    = foo_phb_class_init,
};

static Property foo_led_properties[] = {
    DEFINE_PROP_UINT32("color", FooLedState, color, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static void foo_led_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, foo_led_properties);
}

static const TypeInfo foo_led_info = {
    .name          = TYPE_FOO_LED,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .class_init    = foo_led_class_init,
};

static void ccw_init(MachineState *machine)
{
    DeviceState *dev;

    if (s390_has_feat(S390_FEAT_ZPCI)) {
        // expect: MIG020
        DeviceState *dev = qdev_create(NULL, TYPE_FOO_PHB);
        object_property_add_child(qdev_get_machine(), TYPE_FOO_PHB, OBJECT(dev), NULL);
        qdev_init_nofail(dev);
    }

    if (s390_has_feat(S390_FEAT_LED)) {
        // ok: MIG020
        dev = qdev_create(NULL, TYPE_FOO_LED);
        qdev_init_nofail(dev);
    }
}

static void ccw_machine_2_9_class_options(MachineClass *mc)
{
}
DEFINE_CCW_MACHINE(2_9, "2.9", true);
