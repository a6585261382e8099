/* Foo GPU (migcheck fixture: MIG004 version_from_header, like virtio-gpu's VIRTIO_GPU_VM_VERSION) */
#ifndef HW_FOO_GPU_H
#define HW_FOO_GPU_H

#define FOO_GPU_VM_VERSION 1
#define FOO_GPU_VM_MIN_VERSION 1
#define FOO_GPU_MAX_SCANOUTS 16

typedef struct FooGPUState {
    DeviceState parent_obj;
    uint32_t enable;
    uint32_t scanouts;
} FooGPUState;

#endif
