/*
 * Foo KCS interface, a 2015 tree: VMSTATE_VBUFFER_* still take a `_start` argument
 * (migcheck fixture: MIG040 vbuffer_start_arg, from bd66bcfca571 isa_ipmi_kcs.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "migration/vmstate.h"

#define MAX_FOO_MSG_SIZE 300

typedef struct FooKCS {
    bool use_irq;
    uint8_t outmsg[MAX_FOO_MSG_SIZE];
    uint32_t outpos;
    uint32_t outlen;
    uint8_t inmsg[MAX_FOO_MSG_SIZE];
    uint32_t inlen;
    uint8_t *heap;
    uint32_t heap_len;
} FooKCS;

typedef struct FooKCSDevice {
    DeviceState parent_obj;
    FooKCS kcs;
} FooKCSDevice;

const VMStateDescription vmstate_FooKCSDevice = {
    .name = "foo-kcs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields      = (VMStateField[]) {
        VMSTATE_BOOL(kcs.use_irq, FooKCSDevice),
        VMSTATE_UINT32(kcs.outpos, FooKCSDevice),
        VMSTATE_VBUFFER_UINT32(kcs.outmsg, FooKCSDevice, 1, NULL, 0, // expect: MIG040
                               kcs.outlen),
        VMSTATE_VBUFFER_UINT32(kcs.inmsg, FooKCSDevice, 1, NULL, 0, // expect: MIG040
                               kcs.inlen),
        VMSTATE_VBUFFER_UINT32(kcs.heap, FooKCSDevice, 1, NULL, 0, // ok: MIG040
                               kcs.heap_len),
        VMSTATE_END_OF_LIST()
    }
};
