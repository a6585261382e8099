/* MIPS helpers (migcheck fixture: MIG068, minimised from 01bc435b44b8) */
#include "qemu/osdep.h"
#include "cpu.h"

target_ulong helper_yield(CPUMIPSState *env, target_ulong arg)
{
    return env->CP0_VPEControl;
}

target_ulong helper_dvp(CPUMIPSState *env)
{
    target_ulong prev = env->CP0_VPControl;

    if (!((env->CP0_VPControl >> CP0VPCtl_DIS) & 1)) {
        env->CP0_VPControl |= (1 << CP0VPCtl_DIS);
    }
    return prev;
}
