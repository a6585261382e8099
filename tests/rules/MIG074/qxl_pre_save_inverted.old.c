/* Qxl (migcheck fixture: MIG074 qxl_pre_save_inverted): an assertion of pre_save turned into a
 * failure branch on the same test (minimised from hw/display/qxl.c, 39b8a183e2f3). */
// fixture-path: hw/display/qxl.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int qxl_pre_save(void *opaque)
{
    PCIQXLDevice *d = opaque;
    uint8_t *ram_start = d->vga.vram_ptr;

    if (d->last_release == NULL) {
        d->last_release_offset = 0;
    } else {
        d->last_release_offset = (uint8_t *)d->last_release - ram_start;
    }
    assert(d->last_release_offset < d->vga.vram_size);

    return 0;
}

static const VMStateDescription qxl_vmstate = {
    .name = "qxl",
    .version_id = 21,
    .minimum_version_id = 21,
    .pre_save = qxl_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(last_release_offset, PCIQXLDevice),
        VMSTATE_END_OF_LIST()
    },
};
