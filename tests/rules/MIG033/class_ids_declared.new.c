/* rtl8139 (migcheck fixture: MIG033 class_ids_declared, minimised from 7cba16a748b3) */
// fixture-path: hw/rtl8139.c
#include "hw/pci.h"

static int pci_rtl8139_init(PCIDevice *dev)
{
    RTL8139State *s = DO_UPCAST(RTL8139State, dev, dev);
    uint8_t *pci_conf;

    pci_conf = s->dev.config;
    pci_conf[PCI_INTERRUPT_PIN] = 1;
    return 0;
}

static PCIDeviceInfo rtl8139_info = {
    .qdev.name  = "rtl8139",
    .qdev.size  = sizeof(RTL8139State),
    .qdev.vmsd  = &vmstate_rtl8139,
    .init       = pci_rtl8139_init,
    .vendor_id  = PCI_VENDOR_ID_REALTEK,
    .device_id  = PCI_DEVICE_ID_REALTEK_8139,
    .class_id   = PCI_CLASS_NETWORK_ETHERNET,
};
