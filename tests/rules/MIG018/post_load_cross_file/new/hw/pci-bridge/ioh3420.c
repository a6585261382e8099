/* Root port (migcheck fixture: MIG018 post_load_cross_file): unchanged, names the hooks. */
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"

static const VMStateDescription vmstate_ioh3420 = {
    .name = "ioh-3240-express-root-port",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = pcie_cap_slot_pre_save,
    .post_load = pcie_cap_slot_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, PCIDevice),
        VMSTATE_END_OF_LIST()
    }
};

static void ioh3420_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_ioh3420;
}

static const TypeInfo ioh3420_info = {
    .name = "ioh3420",
    .parent = TYPE_PCI_DEVICE,
    .class_init = ioh3420_class_init,
};
