/* hw/core/machine.c of 0e600663e4, minimised (migcheck fixture: MIG032): one entry per
 * concrete type of virtio-balloon-pci-base covers them all together */
#include "qemu/osdep.h"
#include "hw/core/boards.h"

GlobalProperty hw_compat_9_2[] = {
    {"arm-cpu", "backcompat-pauth-default-use-qarma5", "true"},
};
const size_t hw_compat_9_2_len = G_N_ELEMENTS(hw_compat_9_2);
