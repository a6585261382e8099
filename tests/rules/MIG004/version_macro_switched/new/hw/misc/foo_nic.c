/* Foo NIC (migcheck fixture: MIG004 version_macro_switched) */
#include "qemu/osdep.h"
#include "hw/misc/foo_nic.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_foo_nic = { // note: MIG004
    .name = "foo-nic",
    .version_id = FOO_NIC_VM_V2,
    .minimum_version_id = FOO_NIC_VM_V1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mac_lo, FooNICState),
        VMSTATE_UINT32(mac_hi, FooNICState),
        VMSTATE_UINT32_V(tso, FooNICState, FOO_NIC_VM_V2), // ok: MIG001
        VMSTATE_END_OF_LIST()
    }
};

static void foo_nic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_nic;
}

static const TypeInfo foo_nic_info = {
    .name = "foo-nic",
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(FooNICState),
    .class_init = foo_nic_class_init,
};
