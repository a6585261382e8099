// fixture-path: hw/i386/pc_piix.c
static bool gigabyte_align = true;

static void pc_init_pci(QEMUMachineInitArgs *args)
{
    pc_init1(args, 1, 1);
}

static void pc_compat_1_7(QEMUMachineInitArgs *args)
{
    gigabyte_align = false;
    x86_cpu_compat_disable_kvm_features(FEAT_1_ECX, CPUID_EXT_X2APIC);
}

static void pc_compat_1_6(QEMUMachineInitArgs *args)
{
    pc_compat_1_7(args);
}

static void pc_init_pci_1_7(QEMUMachineInitArgs *args)
{
    pc_compat_1_7(args);
    pc_init_pci(args);
}

static void pc_init_pci_1_6(QEMUMachineInitArgs *args)
{
    pc_compat_1_6(args);
    pc_init_pci(args);
}

/* PC init function for pc-0.10 to pc-0.13 */
static void pc_init_pci_no_kvmclock(QEMUMachineInitArgs *args)
{
    gigabyte_align = false;
    x86_cpu_compat_disable_kvm_features(FEAT_KVM, KVM_FEATURE_PV_EOI);
    pc_init1(args, 1, 0);
}

static QEMUMachine pc_i440fx_machine_v1_7 = {
    .name = "pc-i440fx-1.7",
    .init = pc_init_pci_1_7,
};

static QEMUMachine pc_i440fx_machine_v1_6 = {
    .name = "pc-i440fx-1.6",
    .init = pc_init_pci_1_6,
};

/* the pc-0.13-and-older init never calls pc_compat_1_7() */
// expect: MIG039
static QEMUMachine pc_machine_v0_13 = {
    .name = "pc-0.13",
    .init = pc_init_pci_no_kvmclock,
};
