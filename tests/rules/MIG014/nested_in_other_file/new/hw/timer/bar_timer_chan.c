/*
 * Bar timer channel state (migcheck fixture)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/timer/bar_timer_chan.h"

const VMStateDescription vmstate_bar_timer_channel = {
    .name = "bar-timer-channel",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(count, BarTimerChannel),
        VMSTATE_UINT32(reload, BarTimerChannel),
        VMSTATE_UINT32_V(mode, BarTimerChannel, 2), // expect: MIG014
        VMSTATE_END_OF_LIST()
    },
};
