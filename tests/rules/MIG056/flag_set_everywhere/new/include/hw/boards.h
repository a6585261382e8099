/* Machine class (migcheck fixture: MIG056 xenfv_flag, from 7fccf2a06890 boards.h) */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

struct MachineClass {
    const char *family;
    const char *desc;
    const char *alias;
    int is_default;
    int max_cpus;
    bool ignore_boot_device_suffixes;
    bool default_kernel_irqchip_split;
    bool smbus_no_migration_support;
    bool nvdimm_supported;
};

#endif
