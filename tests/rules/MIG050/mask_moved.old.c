/* CPUID feature masking moved into feature expansion (migcheck fixture: MIG050) */
// fixture-path: target/i386/cpu.c
#include "cpu.h"

void cpu_x86_cpuid(CPUX86State *env, uint32_t index, uint32_t count,
                   uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    X86CPU *cpu = env_archcpu(env);

    switch (index) {
    case 1:
        *ecx = env->features[FEAT_1_ECX];
        if (!cpu->enable_pmu) {
            *ecx &= ~CPUID_EXT_PDCM;
        }
        break;
    default:
        break;
    }
}

void x86_cpu_expand_features(X86CPU *cpu, Error **errp)
{
    CPUX86State *env = &cpu->env;

    if (cpu->max_features) {
        env->features[FEAT_1_ECX] |= CPUID_EXT_HYPERVISOR;
    }
}
