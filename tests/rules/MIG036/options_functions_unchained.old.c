/*
 * i440fx machine types, 2015 style: options macros chained into each other
 * (migcheck fixture: MIG036 options_functions_unchained, from fddd179ab962 pc_piix.c)
 */
// fixture-path: hw/i386/pc_piix.c
#include "qemu/osdep.h"
#include "hw/i386/pc.h"

#define PC_I440FX_MACHINE_OPTIONS \
    PC_DEFAULT_MACHINE_OPTIONS, \
    .family = "pc_piix", \
    .desc = "Standard PC (i440FX + PIIX, 1996)"

#define PC_I440FX_2_4_MACHINE_OPTIONS                           \
    PC_I440FX_MACHINE_OPTIONS,                                  \
    .default_machine_opts = "firmware=bios-256k.bin",           \
    .default_display = "std",                                   \
    .alias = "pc",                                              \
    .is_default = 1

DEFINE_PC_MACHINE(v2_4, "pc-i440fx-2.4", pc_init_pci,
                  PC_I440FX_2_4_MACHINE_OPTIONS, /* no compat */)

#define PC_I440FX_2_3_MACHINE_OPTIONS \
    PC_I440FX_2_4_MACHINE_OPTIONS, \
    .alias = NULL, \
    .is_default = 0

DEFINE_PC_MACHINE(v2_3, "pc-i440fx-2.3", pc_init_pci_2_3,
                  PC_I440FX_2_3_MACHINE_OPTIONS, PC_COMPAT_2_3);

#define PC_I440FX_2_2_MACHINE_OPTIONS \
    PC_I440FX_2_3_MACHINE_OPTIONS

DEFINE_PC_MACHINE(v2_2, "pc-i440fx-2.2", pc_init_pci_2_2,
                  PC_I440FX_2_2_MACHINE_OPTIONS, PC_COMPAT_2_2);

#define PC_I440FX_2_1_MACHINE_OPTIONS \
    PC_I440FX_2_2_MACHINE_OPTIONS, \
    .default_display = NULL

DEFINE_PC_MACHINE(v2_1, "pc-i440fx-2.1", pc_init_pci_2_1,
                  PC_I440FX_2_1_MACHINE_OPTIONS, PC_COMPAT_2_1);

#define PC_I440FX_2_0_MACHINE_OPTIONS \
    PC_I440FX_MACHINE_OPTIONS

DEFINE_PC_MACHINE(v2_0, "pc-i440fx-2.0", pc_init_pci_2_0,
                  PC_I440FX_2_0_MACHINE_OPTIONS, PC_COMPAT_2_0);
