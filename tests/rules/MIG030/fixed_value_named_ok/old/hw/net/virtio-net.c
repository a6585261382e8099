/* hw/net/virtio-net.c around 1c0fbfa3dedf ("virtio-net: allow increasing rx queue size"),
 * minimised (migcheck fixture: MIG030) */
#include "qemu/osdep.h"
#include "hw/virtio/virtio-net.h"

static void virtio_net_add_queue(VirtIONet *n, int index)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(n);

    n->ctrl_vq = virtio_add_queue(vdev, 64, virtio_net_handle_ctrl);

    n->vqs[index].rx_vq = virtio_add_queue(vdev, 256, virtio_net_handle_rx);
}

static const Property virtio_net_properties[] = {
    DEFINE_PROP_STRING("tx", VirtIONet, net_conf.tx),
};

static void virtio_net_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_net_properties);
}

static const TypeInfo virtio_net_info = {
    .name = TYPE_VIRTIO_NET,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIONet),
    .class_init = virtio_net_class_init,
};
