/* Foo timer, pre-5.0 style `dc->props = arr` (migcheck fixture) */
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"

#define TYPE_FOO_TIMER "foo-timer"

static Property foo_timer_properties[] = {
    DEFINE_PROP_UINT8("timers", FooTimerState, num_timers, 3),
    DEFINE_PROP_END_OF_LIST(),
};

static void foo_timer_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->props = foo_timer_properties;
}

static const TypeInfo foo_timer_info = {
    .name          = TYPE_FOO_TIMER,
    .parent        = TYPE_PCI_DEVICE,
    .class_init    = foo_timer_class_init,
};
