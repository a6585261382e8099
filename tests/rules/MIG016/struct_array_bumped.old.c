// fixture-tree: compat
/* Foo timer controller (migcheck fixture): a sysbus device of a versioned board */
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_FOO_TIMERCTRL "foo-timerctrl"
OBJECT_DECLARE_SIMPLE_TYPE(FooTimerCtrl, FOO_TIMERCTRL)

typedef struct FooTimer {
    uint32_t reload;
    uint32_t match;
} FooTimer;

struct FooTimerCtrl {
    SysBusDevice parent_obj;

    uint32_t ctrl;
    FooTimer timers[8];
};
static const VMStateDescription vmstate_foo_timer = {
    .name = "foo.timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(reload, FooTimer),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_foo_timerctrl = {
    .name = "foo.timerctrl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooTimerCtrl),
        VMSTATE_STRUCT_ARRAY(timers, FooTimerCtrl, 8, 1, vmstate_foo_timer, FooTimer),
        VMSTATE_END_OF_LIST()
    },
};

static const Property foo_timerctrl_properties[] = {
    DEFINE_PROP_UINT32("ctrl", FooTimerCtrl, ctrl, 0),
};

static void foo_timerctrl_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_timerctrl;
    device_class_set_props(dc, foo_timerctrl_properties);
}

static const TypeInfo foo_timerctrl_info = {
    .name          = TYPE_FOO_TIMERCTRL,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(FooTimerCtrl),
    .class_init    = foo_timerctrl_class_init,
};
