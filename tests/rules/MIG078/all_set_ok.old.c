/* HDA codec (migcheck fixture: MIG078 all_set_ok): a new subsection of an array-element
 * vmsd whose .needed dereferences the back pointer that realize sets in every slot
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
};

struct HDAAudioState {
    bool use_timer;
    HDAAudioStream st[4];
};

static void hda_audio_init(HDAAudioState *a)
{
    for (int i = 0; i < 4; i++) {
        a->st[i].state = a;
    }
}

static const VMStateDescription vmstate_hda_audio_stream = {
    .name = "hda-audio-stream",
    .version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_BOOL(running, HDAAudioStream),
        VMSTATE_UINT32(bpos, HDAAudioStream),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_hda_audio = {
    .name = "hda-audio",
    .version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(st, HDAAudioState, 4, 0, vmstate_hda_audio_stream, HDAAudioStream),
        VMSTATE_END_OF_LIST()
    },
};
