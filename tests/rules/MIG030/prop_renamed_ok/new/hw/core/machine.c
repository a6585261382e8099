/* Generic machine compat arrays (migcheck fixture) */
#include "qemu/osdep.h"
#include "hw/core/boards.h"

GlobalProperty hw_compat_10_2[] = {
    { "scsi-block", "migrate-pr", "off" },
};
const size_t hw_compat_10_2_len = G_N_ELEMENTS(hw_compat_10_2);

GlobalProperty hw_compat_10_1[] = {
    { TYPE_ACPI_GED, "x-has-hest-addr", "false" },
};
const size_t hw_compat_10_1_len = G_N_ELEMENTS(hw_compat_10_1);
