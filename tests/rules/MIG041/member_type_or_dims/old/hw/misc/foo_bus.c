/*
 * Foo bus (migcheck fixture: MIG041 member_type_or_dims)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/misc/foo_sense.h"

static const VMStateDescription vmstate_foo_req = {
    .name = "foo-req",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(tag, FooReq),
        VMSTATE_BUFFER(id, FooReq),
        VMSTATE_BUFFER(sense, FooReq),
        VMSTATE_BUFFER(cdb, FooReq),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo_dev = {
    .name = "foo-dev",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(status, FooDev),
        VMSTATE_BUFFER(regs, FooDev),
        VMSTATE_UINT8_ARRAY(sense, FooDev, FOO_SENSE_SIZE),
        VMSTATE_END_OF_LIST()
    }
};
