// fixture-path: hw/s390x/s390-virtio-ccw.c
void css_register_vmstate(void)
{
    vmstate_register(NULL, 0, &vmstate_css, &channel_subsys);
}

static void ccw_init(MachineState *machine)
{
    s390_init_cpus(machine);
}

static void ccw_machine_2_10_instance_options(MachineState *machine)
{
    if (css_migration_enabled()) { // ok: MIG025
        css_register_vmstate(); // expect: MIG025
    }
    vmstate_register(NULL, 0, &vmstate_foo, &foo_state); // expect: MIG025, MIG024
}

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    ccw_machine_2_10_instance_options(machine);
}
