/*
 * Foo virtio core (migcheck fixture: MIG040 retired_macro, like 50e5ae4dc3e4)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/vmstate.h"

#define FOO_QUEUE_MAX 64

typedef struct FooQueue {
    uint64_t avail;
    uint64_t used;
} FooQueue;

struct FooVirtDevice {
    DeviceState parent_obj;
    FooQueue *vq;
    FooQueue fixed[FOO_QUEUE_MAX];
};

static const VMStateDescription vmstate_foo_queue = {
    .name = "foo-queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(avail, FooQueue),
        VMSTATE_UINT64(used, FooQueue),
        VMSTATE_END_OF_LIST()
    }
};
