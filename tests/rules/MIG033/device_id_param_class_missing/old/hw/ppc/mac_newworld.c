/* mac_newworld (migcheck fixture: MIG033 device_id_param_class_missing) */
#include "hw/ppc/mac.h"

static void ppc_core99_init(QEMUMachineInitArgs *args)
{
    PCIBus *pci_bus = pci_pmac_init(pic, get_system_memory(), get_system_io());
    MemoryRegion *pic_mem = NULL;

    macio_init(pci_bus, PCI_DEVICE_ID_APPLE_UNI_N_KEYL, 0, pic_mem);
}
