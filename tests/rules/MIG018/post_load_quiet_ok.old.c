/* Foo (migcheck fixture: MIG018 post_load_quiet_ok): hook bodies that change words, not
 * behaviour, and a hook renamed with the same body. */
// fixture-path: hw/misc/foo_quiet.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int foo_post_load(void *opaque, int version_id)
{
    FooState *s = opaque;

    /* recompute the irq line */
    foo_update_irq(s);
    return 0;
}

static int foo_pre_save(void *opaque)
{
    FooState *s = DO_UPCAST(FooState, parent_obj, opaque);

    s->saved_ctrl = s->ctrl;
    return 0;
}

static int foo_pre_load(void *opaque)
{
    FooState *s = opaque;

    s->fifo_len = 0;
    return 0;
}

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = foo_post_load,
    .pre_save = foo_pre_save,
    .pre_load = foo_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(saved_ctrl, FooState),
        VMSTATE_END_OF_LIST()
    }
};
