/*
 * Sample generic machine code for `migcheck demo`: the compat arrays.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/boards.h"

GlobalProperty hw_compat_10_1[] = {
    { "scsi-block", "migrate-pr", "off" },
};
const size_t hw_compat_10_1_len = G_N_ELEMENTS(hw_compat_10_1);

GlobalProperty hw_compat_10_0[] = {
    { "virtio-gpu-device", "x-scanout-vmstate-version", "0" },
};
const size_t hw_compat_10_0_len = G_N_ELEMENTS(hw_compat_10_0);
