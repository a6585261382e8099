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
