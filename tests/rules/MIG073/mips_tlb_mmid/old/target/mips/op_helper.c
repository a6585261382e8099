/* MIPS TLB helpers (migcheck fixture: MIG073) */
#include "internal.h"

static void r4k_fill_tlb(CPUMIPSState *env, int idx)
{
    r4k_tlb_t *tlb = &env->tlb->mmu.r4k.tlb[idx];

    tlb->VPN = env->CP0_EntryHi & ~0x1fffULL;
    tlb->ASID = env->CP0_EntryHi & env->CP0_EntryHi_ASID_mask;
    tlb->PageMask = env->CP0_PageMask;
}
