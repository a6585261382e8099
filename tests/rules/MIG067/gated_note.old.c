/* a virtio device whose set_features resets a vmsd field under a property (a note) and
   whose class post_load resets one (its job: quiet) (migcheck fixture: MIG067) */
// fixture-path: hw/virtio/virtio-foo.c
#include "hw/virtio/virtio.h"

typedef struct VirtIOFoo {
    VirtIODevice parent_obj;
    uint32_t mode;
    uint32_t queue_mask;
    bool reset_on_features;
} VirtIOFoo;

static const VMStateDescription vmstate_virtio_foo_device = {
    .name = "virtio-foo-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(mode, VirtIOFoo),
        VMSTATE_UINT32(queue_mask, VirtIOFoo),
        VMSTATE_END_OF_LIST()
    },
};

static Property virtio_foo_properties[] = {
    DEFINE_PROP_BOOL("x-reset-on-features", VirtIOFoo, reset_on_features, true),
    DEFINE_PROP_END_OF_LIST(),
};

static int virtio_foo_post_load(VirtIODevice *vdev)
{
    VirtIOFoo *s = VIRTIO_FOO(vdev);

    virtio_foo_update(s);
    return 0;
}

static void virtio_foo_set_features(VirtIODevice *vdev, uint64_t features)
{
    VirtIOFoo *s = VIRTIO_FOO(vdev);

    virtio_foo_update(s);
}

static void virtio_foo_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_foo_properties);
    vdc->vmsd = &vmstate_virtio_foo_device;
    vdc->post_load = virtio_foo_post_load;
    vdc->set_features = virtio_foo_set_features;
}
