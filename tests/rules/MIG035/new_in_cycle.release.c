/* x86 CPU models: YongFeng was added in the 9.2.50 cycle (ff04bc1ac4), Denverton shipped
 * in 4.1 and is left alone; MIG035/feature_added is the positive (migcheck fixture: MIG035,
 * release baseline v9.2.0) */
// fixture-path: target/i386/cpu.c
// fixture-release: 9.2.0
#include "qemu/osdep.h"
#include "cpu.h"

static const X86CPUDefinition builtin_x86_defs[] = {
    {
        .name = "Denverton",
        .level = 21,
        .vendor = CPUID_VENDOR_INTEL,
        .family = 6,
        .model = 95,
        .stepping = 1,
        .features[FEAT_1_ECX] =
            CPUID_EXT_AES | CPUID_EXT_XSAVE | CPUID_EXT_MOVBE,
        .xlevel = 0x80000008,
        .model_id = "Intel Atom Processor (Denverton)",
    },
};
