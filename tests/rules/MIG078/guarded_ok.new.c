/* HDA codec (migcheck fixture: MIG078 guarded_ok): a new subsection of an array-element
 * vmsd whose .needed tests the back pointer before it dereferences it (the fix, 67fa1f570024)
 * (minimised from hw/audio/hda-codec.c, 280c1e1cdb24). */
// fixture-path: hw/audio/hda-codec.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct HDAAudioState HDAAudioState;
typedef struct HDAAudioStream HDAAudioStream;

struct HDAAudioStream {
    HDAAudioState *state;
    bool running;
    uint32_t bpos;
    int64_t rpos;
};

struct HDAAudioState {
    bool use_timer;
    HDAAudioStream st[4];
};

static void hda_audio_init(HDAAudioState *a, int idx)
{
    HDAAudioStream *st = a->st + idx;
    st->state = a;
}

// ok: MIG078
static bool vmstate_hda_audio_stream_buf_needed(void *opaque)
{
    HDAAudioStream *st = opaque;
    return st->state && st->state->use_timer;
}

static const VMStateDescription vmstate_hda_audio_stream_buf = {
    .name = "hda-audio-stream/buffer",
    .version_id = 1,
    .needed = vmstate_hda_audio_stream_buf_needed,
    .fields = (VMStateField[]) {
        VMSTATE_INT64(rpos, HDAAudioStream),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_hda_audio_stream = {
    .name = "hda-audio-stream",
    .version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_BOOL(running, HDAAudioStream),
        VMSTATE_UINT32(bpos, HDAAudioStream),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * []) {
        &vmstate_hda_audio_stream_buf,
        NULL
    }
};

static const VMStateDescription vmstate_hda_audio = {
    .name = "hda-audio",
    .version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(st, HDAAudioState, 4, 0, vmstate_hda_audio_stream, HDAAudioStream),
        VMSTATE_END_OF_LIST()
    },
};
