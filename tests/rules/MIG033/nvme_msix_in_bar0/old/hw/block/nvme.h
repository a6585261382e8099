/*
 * NVMe controller (migcheck fixture: MIG033 nvme_msix_in_bar0, minimised from QEMU
 * 1901b4967c3f~1 hw/block/nvme.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_H
#define HW_NVME_H

#include "hw/pci/pci_device.h"

#define TYPE_NVME "nvme"

typedef struct NvmeParams {
    uint32_t msix_qsize;
} NvmeParams;

typedef struct NvmeCtrl {
    PCIDevice    parent_obj;
    MemoryRegion bar0;
    MemoryRegion iomem;
    NvmeParams   params;
    uint32_t     reg_size;
} NvmeCtrl;

#endif
