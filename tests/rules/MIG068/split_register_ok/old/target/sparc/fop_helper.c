/* SPARC FP helpers (migcheck fixture: MIG068 split_register_ok, minimised from 3590f01ed288) */
#include "qemu/osdep.h"
#include "cpu.h"

target_ulong cpu_get_fsr(CPUSPARCState *env)
{
    return env->fsr;
}

void cpu_put_fsr(CPUSPARCState *env, target_ulong fsr)
{
    env->fsr = fsr;
}

void helper_set_fsr_noftt(CPUSPARCState *env, target_ulong fsr)
{
    env->fsr = (env->fsr & FSR_FTT_MASK) | (fsr & ~FSR_FTT_MASK);
}
