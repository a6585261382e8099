/* New masking gated by a new CPU property (compat-able) (migcheck fixture: MIG050) */
// fixture-path: target/i386/cpu.c
#include "cpu.h"

static Property x86_cpu_properties[] = {
    DEFINE_PROP_BOOL("pmu", X86CPU, enable_pmu, false),
    DEFINE_PROP_BOOL("x-pdcm-on-even-without-pmu", X86CPU, pdcm_on_even_without_pmu, false), // ok: MIG030
    DEFINE_PROP_END_OF_LIST()
};

void x86_cpu_expand_features(X86CPU *cpu, Error **errp)
{
    CPUX86State *env = &cpu->env;

    env->features[FEAT_1_ECX] |= CPUID_EXT_HYPERVISOR;
    if (!cpu->enable_pmu && !cpu->pdcm_on_even_without_pmu) {
        env->features[FEAT_1_ECX] &= ~CPUID_EXT_PDCM; // ok: MIG050
    }
}
