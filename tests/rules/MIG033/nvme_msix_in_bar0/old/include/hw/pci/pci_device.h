/* PCI device base (migcheck fixture: MIG033 nvme_msix_in_bar0, from QEMU) */
#ifndef QEMU_PCI_DEVICE_H
#define QEMU_PCI_DEVICE_H

#define TYPE_PCI_DEVICE "pci-device"

struct PCIDevice {
    DeviceState qdev;
    bool partially_hotplugged;
    uint8_t *config;
};

#endif
