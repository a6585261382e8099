/* KVM MSR sync (migcheck fixture: MIG062 host_counter, from e13713db5b60) */
#include "qemu/osdep.h"
#include "cpu.h"

static bool has_msr_tsc_aux;

static int kvm_get_msrs(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    struct kvm_msr_entry *msrs = cpu->kvm_msr_buf->entries;
    int i;

    for (i = 0; i < cpu->kvm_msr_buf->nmsrs; i++) {
        uint32_t index = msrs[i].index;
        switch (index) {
        case MSR_TSC_AUX:
            env->tsc_aux = msrs[i].data;
            break;
        }
    }
    return 0;
}
