/* Hand registration handed to qdev (migcheck fixture: MIG020 qdev_info_vmsd_ok) */
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
    DeviceState *dev;

    dev = qdev_create(NULL, "cfg_port");
    qdev_prop_set_uint32(dev, "ctl_iobase", ctl_port);
    qdev_init_nofail(dev);
    return DO_UPCAST(CfgPortState, busdev.qdev, dev);
}

static int cfg_port_init1(SysBusDevice *dev)
{
    CfgPortState *s = FROM_SYSBUS(CfgPortState, dev);

    if (s->ctl_iobase) {
        register_ioport_write(s->ctl_iobase, 2, 2, cfg_port_io_writew, s);
    }
    return 0;
}

static SysBusDeviceInfo cfg_port_info = {
    .init = cfg_port_init1,
    .qdev.name = "cfg_port",
    .qdev.size = sizeof(CfgPortState),
    .qdev.vmsd = &vmstate_cfg_port,
    .qdev.reset = cfg_port_reset,
    .qdev.no_user = 1,
    .qdev.props = (Property[]) {
        DEFINE_PROP_HEX32("ctl_iobase", CfgPortState, ctl_iobase, -1),
        DEFINE_PROP_END_OF_LIST(),
    },
};

static void cfg_port_register_devices(void)
{
    sysbus_register_withprop(&cfg_port_info);
}

device_init(cfg_port_register_devices)
