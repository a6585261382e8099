/*
 * Foo BMC on ISA (migcheck fixture: MIG040 header_member)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/isa/isa.h"
#include "migration/vmstate.h"
#include "hw/misc/foo_bmc.h"

typedef struct FooISADevice {
    ISADevice dev;
    int32_t irq;
    FooKCS kcs;
} FooISADevice;

static const VMStateDescription vmstate_foo_isa = {
    .name = "foo-isa",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32(irq, FooISADevice),
        VMSTATE_VBUFFER_UINT32(kcs.outmsg, FooISADevice, 1, NULL, kcs.outlen), // expect: MIG040
        VMSTATE_UINT32(kcs.outlen, FooISADevice),
        VMSTATE_VBUFFER_ALLOC_UINT32(kcs.inmsg, FooISADevice, 1, NULL, kcs.inlen), // ok: MIG040
        VMSTATE_UINT32(kcs.inlen, FooISADevice),
        VMSTATE_END_OF_LIST()
    }
};
