// fixture-tree: compat
/* virtio-foo (migcheck fixture: MIG034 add_feature) */
// fixture-path: hw/virtio/virtio-foo.c
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"

static uint64_t virtio_foo_get_features(VirtIODevice *vdev, uint64_t features,
                                        Error **errp)
{
    VirtIOFoo *foo = VIRTIO_FOO(vdev);

    virtio_add_feature(&features, VIRTIO_FOO_F_BASE);
    virtio_add_feature(&features, VIRTIO_FOO_F_FAST); // expect: MIG034
    if (foo->x_blk_size) {
        virtio_add_feature(&features, VIRTIO_FOO_F_BLK_SIZE); // ok: MIG034
    }
    return features;
}
