/* UARTs renamed (migcheck fixture: MIG020 type_renamed_same_section): foo-uart becomes
 * foo-serial, still created by the board, same vmsd name (ok); bar-uart becomes bar-serial
 * whose vmsd has another name (expect). */
// fixture-path: hw/char/foo_uart.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_foo_uart = {
    .name = "foo-uart",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooUartState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_bar_uart = {
    .name = "bar-uart",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooUartState),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_uart_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_uart;
}

static void bar_uart_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_bar_uart;
}

static const TypeInfo foo_uart_info = {
    .name = "foo-uart",
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = foo_uart_class_init,
};

static const TypeInfo bar_uart_info = { // expect-old: MIG020
    .name = "bar-uart",
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = bar_uart_class_init,
};

static void foo_board_init(MachineState *machine)
{
    DeviceState *dev = qdev_new("foo-uart");

    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
}
