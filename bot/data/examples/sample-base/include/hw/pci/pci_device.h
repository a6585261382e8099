/* Sample base tree for `migcheck demo` (a few lines in QEMU's style, not QEMU code). */
#ifndef HW_PCI_DEVICE_H
#define HW_PCI_DEVICE_H

#define TYPE_PCI_DEVICE "pci-device"
#define INTERFACE_CONVENTIONAL_PCI_DEVICE "conventional-pci-device"
#define PCI_VENDOR_ID_QEMU 0x1234

typedef struct PCIDevice PCIDevice;

#endif
