/* x86 CPU models, the pre-2.9 layout: feature words reordered, a model added (migcheck fixture: MIG035) */
// fixture-path: target-i386/cpu.c
#include "cpu.h"

static x86_def_t builtin_x86_defs[] = {
    {
        .name = "Oldmere", // ok: MIG035
        .level = 11,
        .ext_features = CPUID_EXT_SSE3 |
             CPUID_EXT_POPCNT,
        .model_id = "Oldmere test CPU",
    },
    {
        .name = "Newmere", // ok: MIG035
        .level = 13,
        .ext_features = CPUID_EXT_SSE3 | CPUID_EXT_AVX,
        .model_id = "Newmere test CPU",
    },
};
