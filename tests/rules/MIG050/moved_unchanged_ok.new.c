/* Masking moved unchanged into a helper, and reformatted (migcheck fixture: MIG050) */
// fixture-path: target/i386/cpu.c
#include "cpu.h"

static void x86_cpu_apply_pmu(X86CPU *cpu, CPUX86State *env)
{
    if (!cpu->enable_pmu) {
        env->features[FEAT_1_ECX] &= ~CPUID_EXT_PDCM; // ok: MIG050
    }
}

void x86_cpu_expand_features(X86CPU *cpu, Error **errp)
{
    CPUX86State *env = &cpu->env;

    x86_cpu_apply_pmu(cpu, env);
    if (cpu->max_features) {
        env->features[FEAT_1_ECX] |=
            CPUID_EXT_HYPERVISOR; // ok: MIG050
    }
}
