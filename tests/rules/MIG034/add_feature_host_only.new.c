// fixture-tree: compat
/* virtio-net get_features (migcheck fixture: MIG034, from 93a97dc5200a) */
// fixture-path: hw/net/virtio-net.c
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"

static Property virtio_net_properties[] = {
    DEFINE_PROP_BOOL("x-mtu-bypass-backend", VirtIONet, mtu_bypass_backend, true),
    DEFINE_PROP_END_OF_LIST(),
};

static uint64_t virtio_net_get_features(VirtIODevice *vdev, uint64_t features,
                                        Error **errp)
{
    VirtIONet *n = VIRTIO_NET(vdev);
    NetClientState *nc = qemu_get_queue(n->nic);

    features |= n->host_features;

    virtio_add_feature(&features, VIRTIO_NET_F_MAC);

    if (!peer_has_vnet_hdr(n)) {
        virtio_clear_feature(&features, VIRTIO_NET_F_CSUM);
    }

    if (n->mtu_bypass_backend && !get_vhost_net(nc->peer)) {
        virtio_add_feature(&features, VIRTIO_NET_F_MTU); // ok: MIG034 (a property decides)
    }

    if (virtio_has_feature(n->host_features, VIRTIO_NET_F_RSC_EXT) && !nc->peer) {
        virtio_add_feature(&features, VIRTIO_NET_F_GUEST_TSO4); // ok: MIG034 (host_features bit)
    }

    if (!get_vhost_net(nc->peer)) {
        virtio_add_feature(&features, VIRTIO_F_RING_RESET); // expect: MIG034
        return features;
    }

    features = vhost_net_get_features(get_vhost_net(nc->peer), features);
    return features;
}
