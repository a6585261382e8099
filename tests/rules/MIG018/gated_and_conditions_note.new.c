/* Bar (migcheck fixture: MIG018 gated_and_conditions_note): new post_load logic behind a
 * compat property (note), a pre_save whose assignment got a condition (note), a pre_save
 * that stops computing a migrated field (expect). */
// fixture-path: hw/timer/bar.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

// note: MIG018
static int bar_post_load(void *opaque, int version_id)
{
    BarState *s = opaque;

    if (!s->offset_saved) {
        s->offset = ticks_to_ns(s->counter) - qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    }
    return 0;
}

// note: MIG018
static int bar_pre_save(void *opaque)
{
    BarState *s = opaque;

    if (bar_enabled(s)) {
        s->counter = bar_get_ticks(s);
    }
    return 0;
}

// expect: MIG018
static int bar_timer_pre_save(void *opaque)
{
    BarTimer *t = opaque;

    t->cmp64 = t->cmp;
    return 0;
}

static const VMStateDescription vmstate_bar_timer = {
    .name = "bar_timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = bar_timer_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(cmp64, BarTimer),
        VMSTATE_UINT64(period64, BarTimer),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_bar = {
    .name = "bar",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = bar_post_load,
    .pre_save = bar_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(counter, BarState),
        VMSTATE_STRUCT(timer, BarState, 1, vmstate_bar_timer, BarTimer),
        VMSTATE_END_OF_LIST()
    }
};

static Property bar_properties[] = {
    DEFINE_PROP_UINT8("timers", BarState, num_timers, 3),
    DEFINE_PROP_BOOL("bar-offset-saved", BarState, offset_saved, true),
    DEFINE_PROP_END_OF_LIST(),
};
