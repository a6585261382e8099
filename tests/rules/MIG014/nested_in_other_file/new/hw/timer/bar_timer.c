/*
 * Bar timer (migcheck fixture): embeds the shared channel state
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/timer/bar_timer_chan.h"

#define TYPE_BAR_TIMER "bar-timer"
OBJECT_DECLARE_SIMPLE_TYPE(BarTimerState, BAR_TIMER)

struct BarTimerState {
    SysBusDevice parent_obj;
    uint32_t ctrl;
    BarTimerChannel ch[2];
};

static const VMStateDescription vmstate_bar_timer = {
    .name = "bar-timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, BarTimerState),
        VMSTATE_STRUCT_ARRAY(ch, BarTimerState, 2, 1, vmstate_bar_timer_channel,
                             BarTimerChannel),
        VMSTATE_END_OF_LIST()
    },
};

static void bar_timer_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_bar_timer;
}

static const TypeInfo bar_timer_info = {
    .name          = TYPE_BAR_TIMER,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(BarTimerState),
    .class_init    = bar_timer_class_init,
};

static void bar_timer_register_types(void)
{
    type_register_static(&bar_timer_info);
}

type_init(bar_timer_register_types)
