/* x86 CPU models, the pre-2.9 layout (migcheck fixture: MIG035) */
// fixture-path: target-i386/cpu.c
#include "cpu.h"

static x86_def_t builtin_x86_defs[] = {
    {
        .name = "Oldmere",
        .level = 11,
        .vendor = CPUID_VENDOR_INTEL,
        .features = CPUID_SSE2 | CPUID_SSE,
        .ext_features = CPUID_EXT_POPCNT |
             CPUID_EXT_SSE3,
        .ext2_features = CPUID_EXT2_LM,
        .xlevel = 0x8000000A,
        .model_id = "Oldmere test CPU",
    },
};
