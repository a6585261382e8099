/* Foo (migcheck fixture: MIG018 post_load_quiet_ok): hook bodies that change words, not
 * behaviour, and a hook renamed with the same body. */
// fixture-path: hw/misc/foo_quiet.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

/* tracing, an error report and a renamed local only */
// ok: MIG018
static int foo_post_load(void *opaque, int version_id)
{
    FooState *foo = opaque;

    trace_foo_post_load(foo->ctrl, version_id);
    if (foo->ctrl > 7) {
        error_report("foo: odd ctrl %u", foo->ctrl);
    }
    foo_update_irq(foo);   /* the irq line follows the loaded state */
    return 0;
}

/* the QOM cast written as a macro */
// ok: MIG018
static int foo_pre_save(void *opaque)
{
    FooState *s = FOO(opaque);
    assert(s);

    s->saved_ctrl = s->ctrl;
    return 0;
}

/* renamed, same body */
// ok: MIG018
static int foo_reset_before_load(void *opaque)
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
    .pre_load = foo_reset_before_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(saved_ctrl, FooState),
        VMSTATE_END_OF_LIST()
    }
};
