/* Baz (migcheck fixture: MIG074 negated_ok): assertions of hooks turned into the right failure
 * branches (negated test), a failing branch that existed before, and a branch that only logs. */
// fixture-path: hw/misc/baz.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int baz_post_load(void *opaque, int version_id)
{
    BazState *s = opaque;

    assert(s->index < BAZ_NREGS);
    assert(s->count <= s->limit);
    s->cur = s->regs[s->index];
    return 0;
}

static int baz_pre_save(void *opaque)
{
    BazState *s = opaque;

    if (s->busy) {
        return -EBUSY;
    }
    assert(s->busy);
    assert(s->mode != BAZ_MODE_OFF);
    s->saved = s->cur;
    return 0;
}

static const VMStateDescription vmstate_baz = {
    .name = "baz",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = baz_pre_save,
    .post_load = baz_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(index, BazState),
        VMSTATE_UINT32(count, BazState),
        VMSTATE_UINT32(saved, BazState),
        VMSTATE_END_OF_LIST()
    },
};
