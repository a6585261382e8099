/* MIPS CPU vmstate (migcheck fixture: MIG068, minimised from 01bc435b44b8) */
#include "qemu/osdep.h"
#include "cpu.h"
#include "migration/cpu.h"

static int cpu_post_load(void *opaque, int version_id)
{
    return 0;
}

const VMStateDescription vmstate_mips_cpu = {
    .name = "cpu",
    .version_id = 7,
    .minimum_version_id = 7,
    .post_load = cpu_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(env.current_tc, MIPSCPU),
        VMSTATE_INT32(env.error_code, MIPSCPU),
        VMSTATE_UINTTL(env.btarget, MIPSCPU),
        VMSTATE_INT32(env.CP0_Index, MIPSCPU),
        VMSTATE_INT32(env.CP0_VPEControl, MIPSCPU),
        VMSTATE_END_OF_LIST()
    },
};
