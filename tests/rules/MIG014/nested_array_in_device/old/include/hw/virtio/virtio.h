/* Virtio device base (migcheck fixture: MIG014 nested_array_in_device, from QEMU) */
#ifndef QEMU_VIRTIO_H
#define QEMU_VIRTIO_H

#define TYPE_VIRTIO_DEVICE "virtio-device"

#endif
