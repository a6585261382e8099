/* fw_cfg (migcheck fixture: MIG063 default_changed_ok) */
#include "qemu/osdep.h"
#include "hw/nvram/fw_cfg.h"

#define TYPE_FW_CFG_IO "fw_cfg_io"

static Property fw_cfg_io_properties[] = {
    DEFINE_PROP_UINT32("iobase", FWCfgIoState, iobase, -1),
    DEFINE_PROP_BOOL("dma_enabled", FWCfgIoState, dma_enabled, false),
    DEFINE_PROP_END_OF_LIST(),
};

static bool fw_cfg_dma_enabled(void *opaque)
{
    FWCfgState *s = opaque;

    return s->dma_enabled;
}

static void fw_cfg_io_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->props = fw_cfg_io_properties;
}

static const TypeInfo fw_cfg_io_info = {
    .name = TYPE_FW_CFG_IO,
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = fw_cfg_io_class_init,
};
