/* PCIe slot (migcheck fixture: MIG030 prop_renamed_ok, from 2aa1842d6d79: a property renamed, member and default kept; renamed with a new default is still reported) */
#include "qemu/osdep.h"
#include "hw/pci/pcie_port.h"
#include "hw/qdev-properties.h"

#define TYPE_FOO_PCIE_SLOT "foo-pcie-slot"

static Property foo_pcie_slot_props[] = {
    DEFINE_PROP_UINT8("chassis", FooPCIESlot, chassis, 0),
    DEFINE_PROP_BOOL("x-native-hotplug", FooPCIESlot, native_hotplug, true), // ok: MIG030
    DEFINE_PROP_BOOL("x-hotplug", FooPCIESlot, hotplug, true), // expect: MIG030
    DEFINE_PROP_BOOL("x-acpi-hotplug", FooPCIESlot, acpi_hotplug, true), // expect: MIG030
    DEFINE_PROP_END_OF_LIST(),
};

static void foo_pcie_slot_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    device_class_set_props(dc, foo_pcie_slot_props);
}

static const TypeInfo foo_pcie_slot_type_info = {
    .name = TYPE_FOO_PCIE_SLOT,
    .parent = TYPE_PCIE_PORT,
    .instance_size = sizeof(FooPCIESlot),
    .class_init = foo_pcie_slot_class_init,
};
