/* Generic machine compat arrays (migcheck fixture) */
GlobalProperty hw_compat_10_2[] = {
    { "scsi-block", "migrate-pr", "off" },
    { "foo-pci", "use-legacy-rom", "true" }, // expect: MIG032
    { "foo-pci-nohotplug", "use-legacy-rom", "true" }, // ok: MIG032
    { "foo-pci", "x-intx", "0" }, // ok: MIG032
};
