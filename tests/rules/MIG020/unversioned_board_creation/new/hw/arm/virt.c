/* hw/arm/virt.c, minimised (migcheck fixture: MIG020 unversioned_board_creation): the
 * versioned virt machine's UART going away is the positive. */
#include "qemu/osdep.h"
#include "hw/char/pl011.h"

static void create_uart(const VirtMachineState *vms, int uart, MemoryRegion *mem,
                        Chardev *chr, bool secure)
{
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
