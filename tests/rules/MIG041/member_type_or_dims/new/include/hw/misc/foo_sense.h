/*
 * Foo bus requests (migcheck fixture: MIG041 member_type_or_dims)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_FOO_SENSE_H
#define HW_MISC_FOO_SENSE_H

#define FOO_SENSE_SIZE 96
#define FOO_CDB_SIZE 16
#define FOO_QUEUE_MAX 64

typedef struct FooReq {
    uint32_t tag;
    /* ok: MIG041 (same bytes) */
    char id[8];
    uint8_t sense[FOO_SENSE_SIZE];
    /* expect: MIG041 */
    uint16_t cdb[FOO_CDB_SIZE];
} FooReq;

typedef struct FooDev {
    DeviceState qdev;
    uint32_t status;
    /* expect: MIG041 */
    uint8_t regs[32];
    uint8_t sense[FOO_SENSE_SIZE];
    /* ok: MIG041 */
    void *queue[2 * FOO_QUEUE_MAX];
} FooDev;

#endif
