/* Generic machine compat arrays (migcheck fixture) */
GlobalProperty hw_compat_10_2[] = {
    { "scsi-block", "migrate-pr", "off" },
};
