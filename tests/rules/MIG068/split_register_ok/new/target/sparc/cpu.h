/* SPARC CPU state (migcheck fixture: MIG068 split_register_ok, minimised from 3590f01ed288) */
#ifndef SPARC_CPU_H
#define SPARC_CPU_H

typedef struct CPUArchState CPUSPARCState;
struct CPUArchState {
    target_ulong gregs[8];
    target_ulong pc;
    target_ulong npc;
    target_ulong y;
    target_ulong fsr;
    target_ulong fsr_cexc_ftt; // ok: MIG068
};

#endif
