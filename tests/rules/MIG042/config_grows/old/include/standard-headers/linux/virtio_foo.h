/*
 * Foo virtio device config (migcheck fixture: MIG042 config_grows)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef _LINUX_VIRTIO_FOO_H
#define _LINUX_VIRTIO_FOO_H

#define VIRTIO_FOO_NAME_LEN 8

struct virtio_foo_config {
	uint64_t capacity;
	uint32_t seg_max;
	struct virtio_foo_geometry {
		uint16_t cylinders;
		uint8_t heads;
		uint8_t sectors;
	} geometry;
	uint8_t wce;
	uint8_t unused;
	uint16_t num_queues;
} QEMU_PACKED;

struct virtio_foo_stats {
	uint64_t reads;
	uint64_t writes;
};

struct virtio_foo_label {
	char name[VIRTIO_FOO_NAME_LEN];
};

#endif
