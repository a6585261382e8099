/* MIPS CPU vmstate (migcheck fixture: MIG068 migrated_ok, minimised from 01bc435b44b8 with the
   fields df44e8170396 added) */
#include "qemu/osdep.h"
#include "cpu.h"
#include "migration/cpu.h"

static int cpu_post_load(void *opaque, int version_id)
{
    return 0;
}

const VMStateDescription vmstate_mips_cpu = { // expect: MIG004
    .name = "cpu",
    .version_id = 8,
    .minimum_version_id = 7,
    .post_load = cpu_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(env.current_tc, MIPSCPU),
        VMSTATE_INT32(env.error_code, MIPSCPU),
        VMSTATE_UINTTL(env.btarget, MIPSCPU),
        VMSTATE_INT32(env.CP0_Index, MIPSCPU),
        VMSTATE_INT32(env.CP0_VPEControl, MIPSCPU),
        VMSTATE_INT32_V(env.CP0_VPControl, MIPSCPU, 8),
        VMSTATE_INT32_V(env.CP0_GlobalNumber, MIPSCPU, 8),
        VMSTATE_END_OF_LIST()
    },
};
