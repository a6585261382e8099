/* virtio-gpu header (migcheck fixture: MIG037, from 0a71966253c8) */
#ifndef HW_VIRTIO_GPU_H
#define HW_VIRTIO_GPU_H

#define TYPE_VIRTIO_GPU "virtio-gpu-device"

// ok: MIG037 (hw_compat_4_0 has the entry)
#define VIRTIO_GPU_BASE_PROPERTIES(_state, _conf)                       \
    DEFINE_PROP_UINT32("max_outputs", _state, _conf.max_outputs, 1),    \
    DEFINE_PROP_BIT("edid", _state, _conf.flags, \
                    VIRTIO_GPU_FLAG_EDID_ENABLED, true), \
    DEFINE_PROP_UINT32("xres", _state, _conf.xres, 1024), \
    DEFINE_PROP_UINT32("yres", _state, _conf.yres, 768)

#endif
