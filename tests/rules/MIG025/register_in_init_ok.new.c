// fixture-path: hw/s390x/s390-virtio-ccw.c
void css_register_vmstate(void)
{
    vmstate_register(NULL, 0, &vmstate_css, &channel_subsys);
}

static void ccw_init(MachineState *machine)
{
    s390_init_cpus(machine);
    if (css_migration_enabled()) {
        css_register_vmstate(); // ok: MIG025
    }
}

static void ccw_machine_2_10_instance_options(MachineState *machine)
{
    s390_set_qemu_cpu_model(0x2827, 12, 2, qemu_cpu_feat); // ok: MIG025
}

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    ccw_machine_2_10_instance_options(machine);
}
