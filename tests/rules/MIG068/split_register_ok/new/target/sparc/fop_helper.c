/* SPARC FP helpers (migcheck fixture: MIG068 split_register_ok, minimised from 3590f01ed288) */
#include "qemu/osdep.h"
#include "cpu.h"

target_ulong cpu_get_fsr(CPUSPARCState *env)
{
    target_ulong fsr = env->fsr | env->fsr_cexc_ftt;

    return fsr;
}

static void set_fsr_nonsplit(CPUSPARCState *env, target_ulong fsr)
{
    env->fsr = fsr & ~(FSR_VER_MASK | FSR_CEXC_MASK | FSR_FTT_MASK);
}

void cpu_put_fsr(CPUSPARCState *env, target_ulong fsr)
{
    env->fsr_cexc_ftt = fsr & (FSR_CEXC_MASK | FSR_FTT_MASK);
    set_fsr_nonsplit(env, fsr);
}

void helper_set_fsr_noftt(CPUSPARCState *env, target_ulong fsr)
{
    env->fsr_cexc_ftt &= FSR_FTT_MASK;
    env->fsr_cexc_ftt |= fsr & FSR_CEXC_MASK;
    set_fsr_nonsplit(env, fsr);
}
