/* Two devices removed with their file (migcheck fixture: MIG020 unmigratable_deleted): one
 * migrates (expect), the other's vmsd is unmigratable, so no VM with it could migrate (ok). */
// fixture-path: hw/misc/gone.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_gone_ctl = {
    .name = "gone-ctl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctl, GoneCtlState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_gone_host = {
    .name = "gone-host",
    .unmigratable = 1,
};

static void gone_ctl_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_gone_ctl;
}

static void gone_host_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_gone_host;
}

static const TypeInfo gone_ctl_info = { // expect-old: MIG020
    .name = "gone-ctl",
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = gone_ctl_class_init,
};

static const TypeInfo gone_host_info = {
    .name = "gone-host",
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = gone_host_class_init,
};
