/* SPI flash (migcheck fixture: MIG021 qom_type_renamed) */
// fixture-path: hw/block/spiflash.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

#define TYPE_SPIFLASH "spiflash"

static const VMStateDescription vmstate_spiflash = {
    .name = "xilinx_spi",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(state, Flash),
        VMSTATE_END_OF_LIST()
    },
};

static void spiflash_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_spiflash;
}

static const TypeInfo spiflash_info = { // expect: MIG021
    .name = TYPE_SPIFLASH,
    .parent = TYPE_DEVICE,
    .class_init = spiflash_class_init,
};
