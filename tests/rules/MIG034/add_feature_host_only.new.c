// fixture-tree: compat
/* virtio-net get_features (migcheck fixture: MIG034, from 93a97dc5200a) */
// fixture-path: hw/net/virtio-net.c
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"
#include "hw/qdev-properties.h"

#define TYPE_VIRTIO_DEVICE "virtio-device" /* include/hw/virtio/virtio.h */
#define TYPE_VIRTIO_NET "virtio-net-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIONet, VIRTIO_NET)

struct VirtIONet {
    VirtIODevice parent_obj;
    uint64_t host_features;
    bool mtu_bypass_backend;
    NICState *nic;
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

static const Property virtio_net_properties[] = {
    DEFINE_PROP_BOOL("x-mtu-bypass-backend", VirtIONet, mtu_bypass_backend, true),
};

static void virtio_net_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    vdc->get_features = virtio_net_get_features;
    device_class_set_props(dc, virtio_net_properties);
}

static const TypeInfo virtio_net_info = {
    .name = TYPE_VIRTIO_NET,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIONet),
    .class_init = virtio_net_class_init,
};
