// fixture-tree: compat
/* virtio-bar: feature bits set outside get_features (migcheck fixture: MIG034) */
// fixture-path: hw/virtio/virtio-bar.c
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"
#include "hw/qdev-properties.h"

#define TYPE_VIRTIO_DEVICE "virtio-device" /* include/hw/virtio/virtio.h */
#define TYPE_VIRTIO_BAR "virtio-bar-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOBar, VIRTIO_BAR)

struct VirtIOBar {
    VirtIODevice parent_obj;

    uint64_t host_features;
    uint32_t mtu;
};

static uint64_t virtio_bar_get_features(VirtIODevice *vdev, uint64_t features,
                                        Error **errp)
{
    VirtIOBar *bar = VIRTIO_BAR(vdev);

    virtio_add_feature(&features, VIRTIO_BAR_F_BASE);
    virtio_add_feature(&features, VIRTIO_BAR_F_LEGACY_WAKE);
    /* a bit old machine types offered is withdrawn on all of them */
    virtio_clear_feature(&features, VIRTIO_BAR_F_LEGACY_WAKE); // expect: MIG034
    features |= bar->host_features;
    return features;
}

static void virtio_bar_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOBar *bar = VIRTIO_BAR(dev);

    virtio_init(vdev, VIRTIO_ID_BAR, 8);
    /* offered on every machine type from realize, not from get_features */
    bar->host_features |= (1ULL << VIRTIO_BAR_F_STATUS); // expect: MIG034
    if (bar->mtu) {
        bar->host_features |= (1ULL << VIRTIO_BAR_F_MTU); // ok: MIG034 (a property decides)
    }
}

static const Property virtio_bar_properties[] = {
    DEFINE_PROP_UINT32("mtu", VirtIOBar, mtu, 0),
};

static void virtio_bar_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    vdc->get_features = virtio_bar_get_features;
    vdc->realize = virtio_bar_realize;
    device_class_set_props(dc, virtio_bar_properties);
}

static const TypeInfo virtio_bar_info = {
    .name = TYPE_VIRTIO_BAR,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOBar),
    .class_init = virtio_bar_class_init,
};
