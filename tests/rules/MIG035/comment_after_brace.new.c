/* x86 CPU models (migcheck fixture: MIG035): a comment right after the array's { */
// fixture-path: target/i386/cpu.c
#include "qemu/osdep.h"
#include "cpu.h"

static const X86CPUDefinition builtin_x86_defs[] = { /* models in order of age */
    {
        .name = "qemu64",
        .level = 0xd,
        .vendor = CPUID_VENDOR_AMD,
        .features[FEAT_1_EDX] =
            PPRO_FEATURES | CPUID_MTRR | CPUID_CLFLUSH,
        .xlevel = 0x8000000A,
        .model_id = "QEMU Virtual CPU version " QEMU_HW_VERSION,
    },
    {
        .name = "FooLake-Client", // expect: MIG035
        .level = 0xd,
        .vendor = CPUID_VENDOR_INTEL,
        .family = 6,
        .model = 94,
        /* Missing: CPUID_EXT_X2APIC */
        .features[FEAT_1_ECX] =
            CPUID_EXT_SSE3 | CPUID_EXT_PCLMULQDQ | CPUID_EXT_AVX,
        .features[FEAT_7_0_EBX] =
            CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_BMI1,
        .xlevel = 0x80000008,
        .model_id = "Intel Core Processor (FooLake)",
        .versions = (X86CPUVersionDefinition[]) {
            { .version = 1 },
            {
                .version = 2,
                .alias = "FooLake-Client-IBRS",
                .props = (PropValue[]) {
                    { "spec-ctrl", "on" },
                    { "model-id", "Intel Core Processor (FooLake, IBRS)" },
                    { /* end of list */ }
                }
            },
            { /* end of list */ }
        }
    },
};
