/* vhost-user test device (migcheck fixture: MIG021 migratable_renamed: the same rename of a section that is sent) */
// fixture-path: hw/virtio/vhost-user-test-device.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vud_vmstate = { // expect: MIG021
    .name = "vhost-user-test-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(status, VHostUserDevice),
        VMSTATE_END_OF_LIST()
    },
};

static void vud_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vud_vmstate;
}

static const TypeInfo vud_info = {
    .name = "vhost-user-device",
    .parent = TYPE_DEVICE,
    .class_init = vud_class_init,
};
