/* MIPS helpers (migcheck fixture: MIG068, minimised from 01bc435b44b8) */
#include "qemu/osdep.h"
#include "cpu.h"

target_ulong helper_yield(CPUMIPSState *env, target_ulong arg)
{
    return env->CP0_VPEControl;
}
