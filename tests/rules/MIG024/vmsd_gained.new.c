/* GPIO (migcheck fixture: MIG024 vmsd_gained) */
// fixture-path: hw/gpio/foo_gpio.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

#define TYPE_FOO_GPIO "foo-gpio"

static const VMStateDescription vmstate_foo_gpio = {
    .name = "foo-gpio",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(dir, FooGpio),
        VMSTATE_UINT32(out, FooGpio),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_gpio_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "GPIO";
    dc->vmsd = &vmstate_foo_gpio; // expect: MIG024
}

static const TypeInfo foo_gpio_info = {
    .name = TYPE_FOO_GPIO,
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = foo_gpio_class_init,
};
