/*
 * Virtio GPU device (migcheck fixture: MIG014 nested_array_in_device, minimised from
 * QEMU dfcf74fa68c8~1 include/hw/virtio/virtio-gpu.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VIRTIO_GPU_H
#define HW_VIRTIO_GPU_H

#include "hw/virtio/virtio.h"

#define TYPE_VIRTIO_GPU_BASE "virtio-gpu-base"
#define TYPE_VIRTIO_GPU "virtio-gpu-device"
#define TYPE_VIRTIO_GPU_GL "virtio-gpu-gl-device"

#define VIRTIO_GPU_MAX_SCANOUTS 16

struct virtio_gpu_framebuffer {
    uint32_t format;
    uint32_t bytes_pp;
    uint32_t width, height;
    uint32_t stride;
    uint32_t offset;
};

struct virtio_gpu_scanout {
    QemuConsole *con;
    DisplaySurface *ds;
    uint32_t width, height;
    int x, y;
    uint32_t resource_id;
    struct virtio_gpu_framebuffer fb;
};

struct virtio_gpu_base_conf {
    uint32_t max_outputs;
    uint32_t flags;
};

struct VirtIOGPUBase {
    VirtIODevice parent_obj;

    struct virtio_gpu_base_conf conf;
    int enable;
    struct virtio_gpu_scanout scanout[VIRTIO_GPU_MAX_SCANOUTS];
};

struct VirtIOGPU {
    VirtIOGPUBase parent_obj;

    uint64_t conf_max_hostmem;
    uint64_t hostmem;
};

#endif
