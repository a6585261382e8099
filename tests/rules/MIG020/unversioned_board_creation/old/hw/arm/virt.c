/* hw/arm/virt.c, minimised (migcheck fixture: MIG020 unversioned_board_creation): the
 * versioned virt machine's UART going away is the positive. */
#include "qemu/osdep.h"
#include "hw/char/pl011.h"

static void create_uart(const VirtMachineState *vms, int uart, MemoryRegion *mem,
                        Chardev *chr, bool secure)
{
    DeviceState *dev = qdev_new("pl011"); // expect-old: MIG020
    SysBusDevice *s = SYS_BUS_DEVICE(dev);

    qdev_prop_set_chr(dev, "chardev", chr);
    sysbus_realize_and_unref(s, &error_fatal);
}

static void virt_machine_10_2_options(MachineClass *mc)
{
}
DEFINE_VIRT_MACHINE_AS_LATEST(10, 2)

static const TypeInfo virt_machine_info = {
    .name          = TYPE_VIRT_MACHINE,
    .parent        = TYPE_MACHINE,
    .abstract      = true,
};
