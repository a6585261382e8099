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
    uint8_t id[8];
    uint8_t sense[FOO_SENSE_SIZE];
    uint8_t cdb[FOO_CDB_SIZE];
} FooReq;

typedef struct FooDev {
    DeviceState qdev;
    uint32_t status;
    uint8_t regs[16];
    uint8_t sense[FOO_SENSE_SIZE];
    void *queue[FOO_QUEUE_MAX];
} FooDev;

#endif
