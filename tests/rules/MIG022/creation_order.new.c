/* SoC (migcheck fixture: MIG022 creation_order) */
// fixture-path: hw/arm/foo_soc.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

#define TYPE_FOO_UART "foo-uart"
#define TYPE_FOO_LED "foo-led"

static const VMStateDescription vmstate_foo_uart = {
    .name = "foo-uart",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooUart),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_uart_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_uart;
}

static void foo_led_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "LED";
}

static const TypeInfo foo_types[] = {
    {
        .name = TYPE_FOO_UART,
        .parent = TYPE_SYS_BUS_DEVICE,
        .class_init = foo_uart_class_init,
    }, {
        .name = TYPE_FOO_LED,
        .parent = TYPE_SYS_BUS_DEVICE,
        .class_init = foo_led_class_init,
    },
};

static void foo_soc_init(Object *obj)
{
    FooSoCState *s = FOO_SOC(obj);

    object_initialize_child(obj, "uart1", &s->uart[1], TYPE_FOO_UART); // expect: MIG022
    object_initialize_child(obj, "uart0", &s->uart[0], TYPE_FOO_UART);
}
