/* a subclass whose description names its parent's struct (migcheck fixture: MIG010) */
// fixture-path: hw/timer/foo-timer.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

typedef struct FooTimerState {
    SysBusDevice parent_obj;
    uint32_t control;
    uint32_t reload;
} FooTimerState;

typedef struct FooTimerV2State {
    FooTimerState parent_obj;
    uint32_t extra;
} FooTimerV2State;

static const VMStateDescription vmstate_foo_timer_v2 = {
    .name = "foo-timer-v2",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(control, FooTimerState), // ok: MIG010 (the parent is embedded first)
        VMSTATE_UINT32(reload, FooTimerState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo_timer = {
    .name = "foo-timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(control, FooTimerState), // ok: MIG010 (its own instance struct)
        VMSTATE_END_OF_LIST()
    }
};

static void foo_timer_v2_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_timer_v2;
}

static void foo_timer_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_timer;
}

static const TypeInfo foo_timer_types[] = {
    {
        .name = "foo-timer",
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(FooTimerState),
        .class_init = foo_timer_class_init,
    }, {
        .name = "foo-timer-v2",
        .parent = "foo-timer",
        .instance_size = sizeof(FooTimerV2State),
        .class_init = foo_timer_v2_class_init,
    },
};
