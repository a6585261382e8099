/*
 * Foo bus requests (migcheck fixture: MIG041 header_size)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_FOO_SENSE_H
#define HW_MISC_FOO_SENSE_H

/* expect: MIG041, MIG041 */
#define FOO_SENSE_SIZE 252
/* ok: MIG041 */
#define FOO_CDB_SIZE (8 + 8)
/* ok: MIG041 */
#define FOO_QUEUE_MAX 128

typedef struct FooReq {
    uint32_t tag;
    uint8_t sense[FOO_SENSE_SIZE];
    uint8_t cdb[FOO_CDB_SIZE];
} FooReq;

typedef struct FooDev {
    DeviceState qdev;
    uint32_t status;
    uint8_t sense[FOO_SENSE_SIZE];
    void *queue[FOO_QUEUE_MAX];
} FooDev;

#endif
