/* x86 CPU models in a 2013 tree: target-i386/, x86_def_t (migcheck fixture: MIG035) */
// fixture-path: target-i386/cpu.c
static x86_def_t builtin_x86_defs[] = {
    {
        .name = "Westmere",
        .level = 11,
        .vendor = CPUID_VENDOR_INTEL,
        .family = 6,
        .ext_features = CPUID_EXT_AES | CPUID_EXT_POPCNT | CPUID_EXT_SSE3,
        .model_id = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
    },
};
