/* Foo GPU (migcheck fixture: MIG004 version_from_header): the vmsd is not changed */
#include "qemu/osdep.h"
#include "hw/misc/foo_gpu.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_foo_gpu = {
    .name = "foo-gpu",
    .version_id = FOO_GPU_VM_VERSION,
    .minimum_version_id = FOO_GPU_VM_MIN_VERSION,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(enable, FooGPUState),
        VMSTATE_UINT32(scanouts, FooGPUState),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_gpu_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_gpu;
}

static const TypeInfo foo_gpu_info = {
    .name = "foo-gpu",
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(FooGPUState),
    .class_init = foo_gpu_class_init,
};
