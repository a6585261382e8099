/*
 * Foo virtio device (migcheck fixture: MIG042 config_grows)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"
#include "standard-headers/linux/virtio_foo.h"

static void virtio_foo_device_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);

    virtio_init(vdev, VIRTIO_ID_FOO, sizeof(struct virtio_foo_config));
}

static void virtio_foo_label_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);

    virtio_init(vdev, VIRTIO_ID_FOO_LABEL, sizeof(struct virtio_foo_label));
}
