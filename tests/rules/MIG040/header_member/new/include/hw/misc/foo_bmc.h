/*
 * Foo BMC interface (migcheck fixture: MIG040 header_member)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_FOO_BMC_H
#define HW_MISC_FOO_BMC_H

#define FOO_MSG_SIZE 300

typedef struct FooKCS {
    uint8_t outmsg[FOO_MSG_SIZE];
    uint32_t outlen;
    uint8_t *inmsg;
    uint32_t inlen;
} FooKCS;

#endif
