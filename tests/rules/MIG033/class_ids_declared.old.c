/* rtl8139 (migcheck fixture: MIG033 class_ids_declared, minimised from 7cba16a748b3) */
// fixture-path: hw/rtl8139.c
#include "hw/pci.h"

static int pci_rtl8139_init(PCIDevice *dev)
{
    RTL8139State *s = DO_UPCAST(RTL8139State, dev, dev);
    uint8_t *pci_conf;

    pci_conf = s->dev.config;
    pci_config_set_vendor_id(pci_conf, PCI_VENDOR_ID_REALTEK);
    pci_config_set_device_id(pci_conf, PCI_DEVICE_ID_REALTEK_8139);
    pci_config_set_class(pci_conf, PCI_CLASS_NETWORK_ETHERNET);
    pci_conf[PCI_INTERRUPT_PIN] = 1;
    pci_config_set_revision(pci_conf, 0x20); // expect-old: MIG033
    return 0;
}

static PCIDeviceInfo rtl8139_info = {
    .qdev.name  = "rtl8139",
    .qdev.size  = sizeof(RTL8139State),
    .qdev.vmsd  = &vmstate_rtl8139,
    .init       = pci_rtl8139_init,
};
