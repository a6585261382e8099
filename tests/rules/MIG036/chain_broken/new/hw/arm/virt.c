/* arm virt machine types (migcheck fixture: MIG036) */
#include "qemu/osdep.h"
#include "hw/arm/virt.h"

static void virt_machine_11_0_options(MachineClass *mc)
{
}
DEFINE_VIRT_MACHINE_AS_LATEST(11, 0)

static void virt_machine_10_2_options(MachineClass *mc) // expect: MIG036
{
    compat_props_add(mc->compat_props, hw_compat_10_2, hw_compat_10_2_len);
}
DEFINE_VIRT_MACHINE(10, 2)

static void virt_machine_10_1_options(MachineClass *mc)
{
    virt_machine_10_2_options(mc);
    compat_props_add(mc->compat_props, hw_compat_10_1, hw_compat_10_1_len);
}
DEFINE_VIRT_MACHINE(10, 1)

