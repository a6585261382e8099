/* Masking moved unchanged into a helper, and reformatted (migcheck fixture: MIG050) */
// fixture-path: target/i386/cpu.c
#include "cpu.h"

void x86_cpu_expand_features(X86CPU *cpu, Error **errp)
{
    CPUX86State *env = &cpu->env;

    if (!cpu->enable_pmu) {
        env->features[FEAT_1_ECX] &= ~CPUID_EXT_PDCM;
    }
    if (cpu->max_features) {
        env->features[FEAT_1_ECX] |= CPUID_EXT_HYPERVISOR;
    }
}
