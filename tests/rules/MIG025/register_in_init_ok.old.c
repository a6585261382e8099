// fixture-path: hw/s390x/s390-virtio-ccw.c
static void ccw_init(MachineState *machine)
{
    s390_init_cpus(machine);
}

static void ccw_machine_2_10_instance_options(MachineState *machine)
{
}

static void ccw_machine_2_9_instance_options(MachineState *machine)
{
    ccw_machine_2_10_instance_options(machine);
}
