/* pc compat arrays (migcheck fixture: MIG063 default_changed_ok) */
#include "qemu/osdep.h"
#include "hw/i386/pc.h"

GlobalProperty pc_compat_2_6[] = {
    { "fw_cfg_mem", "x-file-slots", "0x10" },
    { "fw_cfg_io", "dma_enabled", "off" }, // ok: MIG063 (the series turns it on for new machine types)
};

GlobalProperty pc_compat_2_4[] = {
    { "fw_cfg_io", "dma_enabled", "off" },
};
