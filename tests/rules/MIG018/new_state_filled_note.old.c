/* Floppy-like controller (migcheck fixture: MIG018 new_state_filled_note): post_load now
 * derives a member the same change adds, for streams that lack its subsection (note,
 * 85d291a08c91); the same logic also rewriting a member older streams carry, or calling a
 * new helper that stores into the state (expect). */
// fixture-path: hw/block/fdc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct FDCtrl {
    uint8_t msr;
    uint8_t dor;
} FDCtrl;

typedef struct FDCtrl2 {
    uint8_t msr;
    uint8_t dor;
} FDCtrl2;

static int fdc_post_load(void *opaque, int version_id)
{
    FDCtrl *s = opaque;

    s->dor = s->dor & 0x3;
    return 0;
}

static const VMStateDescription vmstate_fdc = {
    .name = "fdc",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = fdc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(msr, FDCtrl),
        VMSTATE_UINT8(dor, FDCtrl),
        VMSTATE_END_OF_LIST()
    },
};

static int fdc2_post_load(void *opaque, int version_id)
{
    FDCtrl2 *s = opaque;

    s->dor = s->dor & 0x3;
    return 0;
}

static const VMStateDescription vmstate_fdc2 = {
    .name = "fdc2",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = fdc2_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(msr, FDCtrl2),
        VMSTATE_UINT8(dor, FDCtrl2),
        VMSTATE_END_OF_LIST()
    },
};
