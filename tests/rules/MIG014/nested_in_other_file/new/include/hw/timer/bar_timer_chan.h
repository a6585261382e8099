/*
 * Bar timer channel, shared by the bar timer variants (migcheck fixture)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_TIMER_BAR_TIMER_CHAN_H
#define HW_TIMER_BAR_TIMER_CHAN_H

#include "migration/vmstate.h"

typedef struct BarTimerChannel {
    uint32_t count;
    uint32_t reload;
    uint32_t mode;
} BarTimerChannel;

extern const VMStateDescription vmstate_bar_timer_channel;

#endif
