/* Hand registration handed to qdev (migcheck fixture: MIG020 qdev_info_vmsd_dropped) */
// fixture-path: hw/fw_cfg.c
#include "hw.h"
#include "sysbus.h"

static const VMStateDescription vmstate_cfg_port = {
    .name = "cfg_port",
    .version_id = 1,
    .minimum_version_id = 1,
    .minimum_version_id_old = 1,
    .fields = (VMStateField []) {
        VMSTATE_UINT16(cur_entry, CfgPortState),
        VMSTATE_UINT16_HACK(cur_offset, CfgPortState, is_version_1),
        VMSTATE_END_OF_LIST()
    }
};

void *cfg_port_init(unsigned int ctl_port, unsigned int data_port)
{
    CfgPortState *s;

    s = qemu_mallocz(sizeof(CfgPortState));
    if (ctl_port) {
        register_ioport_write(ctl_port, 2, 2, cfg_port_io_writew, s);
    }
    vmstate_register(-1, &vmstate_cfg_port, s); // expect-old: MIG020
    qemu_register_reset(cfg_port_reset, s);
    return s;
}
