/* virtio-foo (migcheck fixture: MIG034 add_feature) */
// fixture-path: hw/virtio/virtio-foo.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"
#include "hw/virtio/virtio.h"

static uint64_t virtio_foo_get_features(VirtIODevice *vdev, uint64_t features,
                                        Error **errp)
{
    VirtIOFoo *foo = VIRTIO_FOO(vdev);

    virtio_add_feature(&features, VIRTIO_FOO_F_BASE);
    return features;
}
