/* hw/arm/stellaris.c, minimised (migcheck fixture: MIG020 unversioned_board_creation): the
 * lm3s811evb machine is not versioned, so its UART going away breaks no released machine
 * type, although pl011_luminary is a pl011, which the versioned virt machine creates. */
#include "qemu/osdep.h"
#include "hw/char/pl011.h"

static void stellaris_init(MachineState *ms, stellaris_board_info *board)
{
    DeviceState *dev;

    if (DEV_CAP(2, UART(0))) {
        dev = qdev_new("pl011_luminary"); // note-old: MIG020
        sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
    }
}

static void lm3s811evb_init(MachineState *machine)
{
    stellaris_init(machine, &stellaris_boards[0]);
}

static void lm3s811evb_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->desc = "Stellaris LM3S811EVB (Cortex-M3)";
    mc->init = lm3s811evb_init;
}

static const TypeInfo lm3s811evb_type = {
    .name = MACHINE_TYPE_NAME("lm3s811evb"),
    .parent = TYPE_MACHINE,
    .class_init = lm3s811evb_class_init,
};

static void stellaris_machine_init(void)
{
    type_register_static(&lm3s811evb_type);
}

type_init(stellaris_machine_init)
