/* target/ppc/machine.c of the list series "target/ppc: Fix migration of CPUs with TLB_EMB
 * TLB type" (20240904124417.14565-1-farosas@suse.de), minimised (migcheck fixture: MIG005):
 * vmstate_tlbemb carried vmstate_tlb6xx's name, so older QEMUs loaded it into the wrong
 * subsection; renaming it repairs migration (a note). */
// fixture-path: target/ppc/machine.c
#include "qemu/osdep.h"
#include "cpu.h"

static const VMStateDescription vmstate_tlb6xx = {
    .name = "cpu/tlb6xx",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = tlb6xx_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32_EQUAL(env.nb_tlb, PowerPCCPU, NULL),
        VMSTATE_UINTTL_ARRAY(env.tgpr, PowerPCCPU, 4),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_tlbemb = { // note: MIG005
    .name = "cpu/tlbemb",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = tlbemb_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32_EQUAL(env.nb_tlb, PowerPCCPU, NULL),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_tlbmas = { // expect: MIG005
    .name = "cpu/tlb-mas",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = tlbmas_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32_EQUAL(env.nb_tlb, PowerPCCPU, NULL),
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_ppc_cpu = {
    .name = "cpu",
    .version_id = 5,
    .minimum_version_id = 5,
    .fields = (const VMStateField[]) {
        VMSTATE_UINTTL_ARRAY(env.gpr, PowerPCCPU, 32),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_tlb6xx,
        &vmstate_tlbemb,
        &vmstate_tlbmas,
        NULL
    }
};
