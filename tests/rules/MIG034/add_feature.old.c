// fixture-tree: compat
/* virtio-foo (migcheck fixture: MIG034 add_feature) */
// fixture-path: hw/virtio/virtio-foo.c
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"
#include "hw/qdev-properties.h"

#define TYPE_VIRTIO_DEVICE "virtio-device" /* include/hw/virtio/virtio.h */
#define TYPE_VIRTIO_FOO "virtio-foo-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOFoo, VIRTIO_FOO)

struct VirtIOFoo {
    VirtIODevice parent_obj;

    bool x_blk_size;
};

static uint64_t virtio_foo_get_features(VirtIODevice *vdev, uint64_t features,
                                        Error **errp)
{
    VirtIOFoo *foo = VIRTIO_FOO(vdev);

    virtio_add_feature(&features, VIRTIO_FOO_F_BASE);
    return features;
}

static const Property virtio_foo_properties[] = {
    DEFINE_PROP_BOOL("x-blk-size", VirtIOFoo, x_blk_size, true),
};

static void virtio_foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    vdc->get_features = virtio_foo_get_features;
    device_class_set_props(dc, virtio_foo_properties);
}

static const TypeInfo virtio_foo_info = {
    .name          = TYPE_VIRTIO_FOO,
    .parent        = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOFoo),
    .class_init    = virtio_foo_class_init,
};
