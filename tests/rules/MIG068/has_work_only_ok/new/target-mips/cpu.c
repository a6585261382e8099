/* MIPS CPU (migcheck fixture: MIG068 has_work_only_ok, minimised from 01bc435b44b8: the new
   register is only read by cpu_has_work here, no translated code or helper reaches it) */
#include "qemu/osdep.h"
#include "cpu.h"

static bool mips_cpu_has_work(CPUState *cs)
{
    MIPSCPU *cpu = MIPS_CPU(cs);
    CPUMIPSState *env = &cpu->env;
    bool has_work = false;

    if (cs->interrupt_request & CPU_INTERRUPT_HARD) {
        has_work = true;
    }
    if (!((env->CP0_VPControl >> CP0VPCtl_DIS) & 1)) {
        has_work = false;
    }
    return has_work;
}
