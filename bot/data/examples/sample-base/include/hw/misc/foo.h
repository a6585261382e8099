/* Sample "foo" PCI device for `migcheck demo`. */
#ifndef HW_MISC_FOO_H
#define HW_MISC_FOO_H

#include "hw/pci/pci_device.h"

#define TYPE_FOO_PCI "foo-pci"

typedef struct FooState {
    PCIDevice parent_obj;
    uint32_t ctrl;
    uint32_t scratch;
    uint32_t status;
    uint32_t fifo_size;
    bool turbo;
} FooState;

#endif
