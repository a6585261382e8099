/* mac_newworld (migcheck fixture: MIG033 device_id_param_class_missing) */
#include "hw/ppc/mac.h"

static void ppc_core99_init(QEMUMachineInitArgs *args)
{
    PCIBus *pci_bus = pci_pmac_init(pic, get_system_memory(), get_system_io());
    MemoryRegion *pic_mem = NULL;
    PCIDevice *macio;

    macio = pci_create(pci_bus, -1, TYPE_NEWWORLD_MACIO);
    macio_init(macio, pic_mem);
}
