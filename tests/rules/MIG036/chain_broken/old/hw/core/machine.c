/* Generic machine compat arrays (migcheck fixture: MIG036 chain_broken, like 231b4a035b) */
GlobalProperty hw_compat_10_1[] = {
    { TYPE_ACPI_GED, "x-has-hest-addr", "false" },
};
const size_t hw_compat_10_1_len = G_N_ELEMENTS(hw_compat_10_1);
