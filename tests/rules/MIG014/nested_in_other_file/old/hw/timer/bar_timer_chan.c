/*
 * Bar timer channel state (migcheck fixture)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/timer/bar_timer_chan.h"

const VMStateDescription vmstate_bar_timer_channel = {
    .name = "bar-timer-channel",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(count, BarTimerChannel),
        VMSTATE_UINT32(reload, BarTimerChannel),
        VMSTATE_END_OF_LIST()
    },
};
