/* virtio-net, 2014 (migcheck fixture: MIG067, minimised from 0b1eaa8803e6) */
// fixture-path: hw/net/virtio-net.c
#include "hw/virtio/virtio-net.h"

#define MAX_VLAN (1 << 12)

static void virtio_net_set_features(VirtIODevice *vdev, uint32_t features)
{
    VirtIONet *n = VIRTIO_NET(vdev);

    virtio_net_set_mrg_rx_bufs(n, !!(features & (1 << VIRTIO_NET_F_MRG_RXBUF)));
    n->curr_guest_offloads = virtio_net_supported_guest_offloads(n) & features;
}

static void virtio_net_save(QEMUFile *f, void *opaque)
{
    VirtIONet *n = opaque;

    virtio_save(VIRTIO_DEVICE(n), f);
    qemu_put_buffer(f, n->mac, ETH_ALEN);
    qemu_put_be32(f, n->mergeable_rx_bufs);
    qemu_put_buffer(f, (uint8_t *)n->vlans, MAX_VLAN >> 3);
}

static void virtio_net_class_init(ObjectClass *klass, void *data)
{
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    vdc->set_features = virtio_net_set_features;
}
