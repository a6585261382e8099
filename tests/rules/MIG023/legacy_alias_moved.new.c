/* Foo board (migcheck fixture: MIG023 legacy_alias_moved): the legacy instance id call
 * moves from board code into the device's realize with the same ids (ok); the one for the
 * second device is dropped (expect). */
// fixture-path: hw/misc/foo_board.c
#include "qemu/osdep.h"

static void foo_dev_realize(DeviceState *dev, Error **errp)
{
    FooDevState *s = FOO_DEV(dev);

    qdev_set_legacy_instance_id(DEVICE(s), 0x3f8, 2); // ok: MIG023
    s->ready = true;
}

static void foo_board_init(MachineState *machine)
{
    DeviceState *dev = qdev_new(TYPE_FOO_DEV);
    DeviceState *bar = qdev_new(TYPE_BAR_DEV);
}
