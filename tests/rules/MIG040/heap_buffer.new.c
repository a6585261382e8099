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

static const VMStateDescription vmstate_foo_card = {
    .name = "foo-card",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mode, FooCard),
        VMSTATE_BUFFER(cid, FooCard), // ok: MIG040
        VMSTATE_BUFFER_UNSAFE(buf, FooCard, 0, 512), // expect: MIG040
        VMSTATE_BUFFER_POINTER_UNSAFE(data, FooCard, 0, 512), // ok: MIG040
        VMSTATE_END_OF_LIST()
    }
};
