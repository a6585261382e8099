/* ARM system registers (migcheck fixture: MIG068 cpreg_ok, minimised from ef1febe758) */
#include "qemu/osdep.h"
#include "cpu.h"

static void gpccr_write(CPUARMState *env, const ARMCPRegInfo *ri,
                        uint64_t value)
{
    env->gpccr_el3 = value;
}

static void gpccr_reset(CPUARMState *env, const ARMCPRegInfo *ri)
{
    env->gpccr_el3 = 0;
}

static const ARMCPRegInfo rme_reginfo[] = {
    { .name = "GPCCR_EL3", .state = ARM_CP_STATE_AA64,
      .opc0 = 3, .opc1 = 6, .crn = 2, .crm = 1, .opc2 = 6,
      .access = PL3_RW, .writefn = gpccr_write, .resetfn = gpccr_reset,
      .fieldoffset = offsetof(CPUARMState, gpccr_el3) },
    { .name = "GPTBR_EL3", .state = ARM_CP_STATE_AA64,
      .opc0 = 3, .opc1 = 6, .crn = 2, .crm = 1, .opc2 = 4,
      .access = PL3_RW,
      .fieldoffset = offsetof(CPUARMState, gptbr_el3) },
};

static void add_cpregs(ARMCPU *cpu)
{
    define_arm_cp_regs(cpu, rme_reginfo);
}
