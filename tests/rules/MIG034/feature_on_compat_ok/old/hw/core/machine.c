/* Generic machine compat arrays (migcheck fixture) */
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
GlobalProperty hw_compat_10_2[] = {
    { "scsi-block", "migrate-pr", "off" },

};
