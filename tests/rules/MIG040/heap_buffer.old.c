/*
 * Foo card (migcheck fixture: MIG040 heap_buffer)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct FooCard {
    uint32_t mode;
    uint8_t cid[16];
    uint8_t *buf;
    uint8_t *data;
} FooCard;
