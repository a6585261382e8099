/* ARM CPU state (migcheck fixture: MIG068 cpreg_ok, minimised from ef1febe758; the RME
   registers are kept at the top level of the struct here) */
#ifndef ARM_CPU_H
#define ARM_CPU_H

typedef struct CPUArchState {
    uint32_t regs[16];
    uint64_t xregs[32];
    uint64_t pc;
    uint64_t gpccr_el3; // ok: MIG068
    uint64_t gptbr_el3; // ok: MIG068
} CPUARMState;

#endif
