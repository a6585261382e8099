/* A feature bit hidden under a wider condition (migcheck fixture: MIG050) */
// fixture-path: target/i386/kvm/kvm.c
#include "cpu.h"

uint32_t kvm_arch_get_supported_cpuid(KVMState *s, uint32_t function,
                                      uint32_t index, int reg)
{
    uint32_t ret = get_supported(s, function, index, reg);
    uint32_t edx = get_edx(s, function);

    if (function == 7 && index == 0 && reg == R_EDX) {
        if (!has_msr_arch_capabs || !(edx & CPUID_7_0_EDX_ARCH_CAPABILITIES)) {
            ret &= ~CPUID_7_0_EDX_ARCH_CAPABILITIES; // expect: MIG050
        }
    }
    return ret;
}
