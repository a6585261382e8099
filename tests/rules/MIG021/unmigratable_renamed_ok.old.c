/* vhost-user test device (migcheck fixture: MIG021 unmigratable_renamed_ok, like 722e9022a0b6) */
// fixture-path: hw/virtio/vhost-user-test-device.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vud_vmstate = {
    .name = "vhost-user-device",
    .unmigratable = 1,
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
