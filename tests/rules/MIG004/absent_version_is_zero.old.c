// fixture-tree: compat
/* Foo device (migcheck fixture): a sysbus device of a versioned board */
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_FOO "foo"
OBJECT_DECLARE_SIMPLE_TYPE(FooState, FOO)

struct FooState {
    SysBusDevice parent_obj;

    uint32_t ctrl;
    uint32_t status;
    uint32_t extra;
};
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property foo_properties[] = {
    DEFINE_PROP_UINT32("ctrl", FooState, ctrl, 0),
};

static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo;
    device_class_set_props(dc, foo_properties);
}

static const TypeInfo foo_info = {
    .name          = TYPE_FOO,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(FooState),
    .class_init    = foo_class_init,
};
