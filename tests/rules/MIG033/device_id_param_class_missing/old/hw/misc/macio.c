/* macio (migcheck fixture: MIG033 device_id_param_class_missing, the oldworld class sets no device id) */
#include "hw/pci/pci.h"
#include "hw/ppc/mac.h"

static int macio_initfn(PCIDevice *d)
{
    MacIOState *s = MACIO(d);

    pci_config_set_interrupt_pin(d->config, 1);
    return 0;
}

static void macio_class_init(ObjectClass *klass, void *data)
{
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->init = macio_initfn;
    k->vendor_id = PCI_VENDOR_ID_APPLE;
    k->class_id = PCI_CLASS_OTHERS << 8;
}

static const TypeInfo macio_type_info = {
    .name          = TYPE_MACIO,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(MacIOState),
    .class_init    = macio_class_init,
};

static void macio_register_types(void)
{
    type_register_static(&macio_type_info);
}

type_init(macio_register_types)

void macio_init(PCIBus *bus, int device_id, int is_oldworld,
                MemoryRegion *pic_mem)
{
    PCIDevice *d;
    MacIOState *macio_state;

    d = pci_create(bus, -1, TYPE_MACIO);
    macio_state = MACIO(d);
    macio_state->pic_mem = pic_mem;
    pci_config_set_device_id(d->config, device_id); // expect-old: MIG033
    qdev_init_nofail(DEVICE(d));
}
