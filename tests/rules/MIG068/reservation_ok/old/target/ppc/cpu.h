/* PPC CPU state (migcheck fixture: MIG068 reservation_ok, minimised from 392d328abe) */
#ifndef PPC_CPU_H
#define PPC_CPU_H

typedef struct CPUArchState {
    target_ulong gpr[32];
    target_ulong lr;
    target_ulong ctr;
    target_ulong reserve_addr; /* Reservation address */
    target_ulong reserve_val;  /* Reservation value */
    target_ulong reserve_val2;
} CPUPPCState;

#endif
