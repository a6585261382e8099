#include "hw/i386/pc.h"

static void pc_q35_init(QEMUMachineInitArgs *args)
{
    pc_basic_device_init(args);
}

#define PC_Q35_MACHINE_OPTIONS \
    .desc = "Standard PC (Q35 + ICH9, 2009)", \
    .hot_add_cpu = pc_hot_add_cpu

static QEMUMachine pc_q35_machine_v1_7 = {
    PC_Q35_MACHINE_OPTIONS,
    .name = "pc-q35-1.7",
    .init = pc_q35_init,
};

static QEMUMachine pc_q35_machine_v1_6 = {
    PC_Q35_MACHINE_OPTIONS,
    .name = "pc-q35-1.6",
    .init = pc_q35_init,
    .compat_props = (GlobalProperty[]) {
        PC_COMPAT_1_6,
        { /* end of list */ }
    },
};

static QEMUMachine pc_q35_machine_v1_5 = {
    PC_Q35_MACHINE_OPTIONS,
    .name = "pc-q35-1.5",
    .init = pc_q35_init,
    .compat_props = (GlobalProperty[]) {
        PC_COMPAT_1_5,
        { /* end of list */ }
    },
};

static QEMUMachine pc_q35_machine_v1_4 = {
    PC_Q35_MACHINE_OPTIONS,
    .name = "pc-q35-1.4",
    .init = pc_q35_init,
    .compat_props = (GlobalProperty[]) {
        PC_COMPAT_1_4,
        { /* end of list */ }
    },
};
