// fixture-tree: compat
/* Bar PCI device (migcheck fixture: MIG033 parent_obj_renamed, like dc4aa51ba8bb/af21c7403902):
 * the PCIDevice member is renamed and written another way; BAR 1 grows. */
// fixture-path: hw/misc/bar_pci.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"

#define TYPE_PCI_DEVICE "pci-device" /* include/hw/pci/pci_device.h */
#define TYPE_BAR_PCI "bar-pci"

typedef struct BarState {
    PCIDevice dev;
    MemoryRegion io, mmio, ram;
    uint32_t vectors;
} BarState;

static void bar_realize(PCIDevice *pci_dev, Error **errp)
{
    BarState *s = BAR_PCI(pci_dev);
    uint8_t *pci_conf = s->dev.config;

    pci_config_set_interrupt_pin(pci_conf, 1);
    pci_set_word(&pci_conf[PCI_SUBSYSTEM_ID], 0x1100);
    pci_set_byte(s->dev.wmask + PCI_INTERRUPT_LINE, 0);
    pci_register_bar(&s->dev, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    pci_register_bar(&s->dev, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    pci_register_bar(&s->dev, 2, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->ram);
    msi_init(&s->dev, 0x70, 1, true, false, errp);
}

static const VMStateDescription vmstate_bar = {
    .name = "bar-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, BarState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property bar_properties[] = {
    DEFINE_PROP_UINT32("vectors", BarState, vectors, 1),
};

static void bar_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = bar_realize;
    dc->vmsd = &vmstate_bar;
    device_class_set_props(dc, bar_properties);
}

static const TypeInfo bar_info = {
    .name          = TYPE_BAR_PCI,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(BarState),
    .class_init    = bar_class_init,
};
