/* MIPS TLB entry (migcheck fixture: MIG073, minimised from 99029be1c287) */
typedef struct r4k_tlb_t r4k_tlb_t;
struct r4k_tlb_t {
    target_ulong VPN;
    uint32_t PageMask;
    uint16_t ASID;
    uint32_t MMID;
    unsigned int G:1;
    uint64_t PFN[2];
};
