/* Floppy-like controller (migcheck fixture: MIG018 new_state_filled_note): post_load now
 * derives a member the same change adds, for streams that lack its subsection (note,
 * 85d291a08c91); the same logic also rewriting a member older streams carry, or calling a
 * new helper that stores into the state (expect). */
// fixture-path: hw/block/fdc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

enum {
    FD_PHASE_RECONSTRUCT = 0,
    FD_PHASE_COMMAND = 1,
    FD_PHASE_EXECUTION = 2,
};

typedef struct FDCtrl {
    uint8_t msr;
    uint8_t dor;
    uint8_t phase;
} FDCtrl;

typedef struct FDCtrl2 {
    uint8_t msr;
    uint8_t dor;
    uint8_t phase;
} FDCtrl2;

static int reconstruct_phase(FDCtrl *s)
{
    if (s->msr & 0x20) {
        return FD_PHASE_EXECUTION;
    }
    return FD_PHASE_COMMAND;
}

static int reset_phase(FDCtrl2 *s)
{
    s->msr = 0x80;
    return FD_PHASE_COMMAND;
}

static int fdc_pre_load(void *opaque)
{
    FDCtrl *s = opaque;

    s->phase = FD_PHASE_RECONSTRUCT;
    return 0;
}

// note: MIG018
static int fdc_post_load(void *opaque, int version_id)
{
    FDCtrl *s = opaque;

    s->dor = s->dor & 0x3;
    if (s->phase == FD_PHASE_RECONSTRUCT) {
        s->phase = reconstruct_phase(s);
    }
    return 0;
}

static bool fdc_phase_needed(void *opaque)
{
    FDCtrl *s = opaque;

    return reconstruct_phase(s) != s->phase;
}

static const VMStateDescription vmstate_fdc_phase = {
    .name = "fdc/phase",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = fdc_phase_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(phase, FDCtrl),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_fdc = {
    .name = "fdc",
    .version_id = 2,
    .minimum_version_id = 2,
    .pre_load = fdc_pre_load,
    .post_load = fdc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(msr, FDCtrl),
        VMSTATE_UINT8(dor, FDCtrl),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_fdc_phase,
        NULL
    },
};

// expect: MIG018
static int fdc2_post_load(void *opaque, int version_id)
{
    FDCtrl2 *s = opaque;

    s->dor = s->dor & 0x3;
    if (s->phase == FD_PHASE_RECONSTRUCT) {
        s->phase = reset_phase(s);
    }
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
