/* virtio-net (migcheck fixture: MIG034 feature_on) */
#include "qemu/osdep.h"
#include "hw/virtio/virtio-net.h"

static const Property virtio_net_properties[] = {
    DEFINE_PROP_BIT64("csum", VirtIONet, host_features, VIRTIO_NET_F_CSUM, true),
    DEFINE_PROP_BIT64("guest_uso4", VirtIONet, host_features, VIRTIO_NET_F_GUEST_USO4, false), // ok: MIG034
    DEFINE_PROP_BIT64("host_tunnel", VirtIONet, host_features, VIRTIO_NET_F_HOST_TUNNEL, true), // expect: MIG034
};

static void virtio_net_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_net_properties);
}

static const TypeInfo virtio_net_info = {
    .name = TYPE_VIRTIO_NET,
    .parent = TYPE_VIRTIO_DEVICE,
    .class_init = virtio_net_class_init,
};
