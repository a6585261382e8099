// fixture-tree: compat
/*
 * Foo timer block (migcheck fixture: MIG014 top_level_v_field_ok)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#define TYPE_FOO_TIMER "foo-timer"
OBJECT_DECLARE_SIMPLE_TYPE(FooTimerState, FOO_TIMER)

#define FOO_TIMER_NUM_REGS      16
#define FOO_TIMER_FIFO_SIZE     8
#define FOO_TIMER_NUM_CHANNELS  4

typedef struct FooTimerChannel {
    uint32_t count;
    uint32_t reload;
    uint32_t ctrl;
    uint32_t prescale;
} FooTimerChannel;

struct FooTimerState {
    SysBusDevice parent_obj;

    MemoryRegion iomem;
    qemu_irq irq;
    uint32_t ctrl;
    uint32_t status;
    uint32_t irq_mask;
    uint32_t regs[FOO_TIMER_NUM_REGS];
    uint8_t fifo[FOO_TIMER_FIFO_SIZE];
    uint32_t fifo_level;
    bool legacy_mode;
    int32_t skew;
    FooTimerChannel ch[FOO_TIMER_NUM_CHANNELS];
    int64_t next_deadline;
    bool migrate_fifo;
    bool migrate_deadline;
};

static void foo_timer_update_irq(FooTimerState *s)
{
    qemu_set_irq(s->irq, !!(s->status & s->irq_mask));
}

static const VMStateDescription vmstate_foo_timer_channel = {
    .name = "foo-timer-channel",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(count, FooTimerChannel),
        VMSTATE_UINT32(reload, FooTimerChannel),
        VMSTATE_UINT32(ctrl, FooTimerChannel),
        VMSTATE_END_OF_LIST()
    },
};

static bool foo_timer_fifo_needed(void *opaque)
{
    FooTimerState *s = opaque;

    return s->migrate_fifo;
}

static const VMStateDescription vmstate_foo_timer_fifo = {
    .name = "foo-timer/fifo",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_timer_fifo_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(fifo, FooTimerState, FOO_TIMER_FIFO_SIZE),
        VMSTATE_UINT32(fifo_level, FooTimerState),
        VMSTATE_END_OF_LIST()
    },
};

static int foo_timer_post_load(void *opaque, int version_id)
{
    FooTimerState *s = opaque;

    foo_timer_update_irq(s);
    return 0;
}

static const VMStateDescription vmstate_foo_timer = {
    .name = "foo-timer",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = foo_timer_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooTimerState),
        VMSTATE_UINT32(status, FooTimerState),
        VMSTATE_UINT32_ARRAY(regs, FooTimerState, FOO_TIMER_NUM_REGS),
        VMSTATE_BOOL(legacy_mode, FooTimerState),
        VMSTATE_INT32(skew, FooTimerState),
        VMSTATE_STRUCT_ARRAY(ch, FooTimerState, FOO_TIMER_NUM_CHANNELS, 1,
                             vmstate_foo_timer_channel, FooTimerChannel),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_timer_fifo,
        NULL
    },
};

static const Property foo_timer_properties[] = {
    DEFINE_PROP_BOOL("x-migrate-fifo", FooTimerState, migrate_fifo, true),
};

static void foo_timer_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_timer;
    device_class_set_props(dc, foo_timer_properties);
}

static const TypeInfo foo_timer_info = {
    .name          = TYPE_FOO_TIMER,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(FooTimerState),
    .class_init    = foo_timer_class_init,
};

static void foo_timer_register_types(void)
{
    type_register_static(&foo_timer_info);
}

type_init(foo_timer_register_types)
