/* MIPS CPU state (migcheck fixture: MIG068, minimised from 01bc435b44b8) */
#ifndef MIPS_CPU_H
#define MIPS_CPU_H

typedef struct CPUMIPSState CPUMIPSState;
struct CPUMIPSState {
    uint32_t current_tc;
    int32_t error_code;
    target_ulong btarget;
    int32_t CP0_Index;
    int32_t CP0_VPEControl;
    int32_t CP0_VPControl; // ok: MIG068
#define CP0VPCtl_DIS    0
};

#endif
