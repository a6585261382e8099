/* target/i386/hvf/x86_cpuid.c before/after the list series "i386/hvf: Integrates x2APIC
 * support with hvf accel" (20240928100450.1666-1-phil@philjordan.eu), minimised (migcheck
 * fixture: MIG050): `ecx &= MASK` keeps MASK, so adding X2APIC to it means X2APIC is no
 * longer cleared; the other bits do not change. */
// fixture-path: target/i386/hvf/x86_cpuid.c
#include "qemu/osdep.h"
#include "cpu.h"

uint32_t hvf_get_supported_cpuid(uint32_t func, uint32_t idx,
                                 int reg)
{
    uint32_t eax, ebx, ecx, edx;

    host_cpuid(func, idx, &eax, &ebx, &ecx, &edx);

    switch (func) {
    case 1:
        ecx &= CPUID_EXT_SSE3 | CPUID_EXT_PCLMULQDQ | CPUID_EXT_SSSE3 |
             CPUID_EXT_FMA | CPUID_EXT_CX16 | CPUID_EXT_PCID | CPUID_EXT_SSE41 |
             CPUID_EXT_SSE42 | CPUID_EXT_MOVBE |
             CPUID_EXT_POPCNT | CPUID_EXT_AES | CPUID_EXT_XSAVE |
             CPUID_EXT_AVX | CPUID_EXT_F16C | CPUID_EXT_RDRAND;
        ecx |= CPUID_EXT_HYPERVISOR;
        break;
    }
    return ecx;
}
