/* Timer block (migcheck fixture: MIG021 nested_renamed_ok: VMSTATE_STRUCT-only vmsd) */
// fixture-path: hw/timer/tblock.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_tblock_chan = {
    .name = "tblock-channel",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(count, TChan),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_tblock = {
    .name = "tblock",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(chan, TBlock, 4, 1, vmstate_tblock_chan, TChan),
        VMSTATE_END_OF_LIST()
    },
};

static void tblock_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_tblock;
}
