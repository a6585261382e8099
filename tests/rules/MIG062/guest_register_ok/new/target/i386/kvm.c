/* KVM MSR sync (migcheck fixture: MIG062 guest_register_ok, from 18cd2c17b537) */
#include "qemu/osdep.h"
#include "cpu.h"

static bool has_msr_tsc_aux;
static bool has_xss;

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
        case MSR_IA32_XSS:
            env->xss = msrs[i].data;
            break;
        }
    }
    return 0;
}
