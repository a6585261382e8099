/* PC board of a 2012 tree: hw/pc_piix.c before hw/i386/, QEMUMachine with versioned names,
   creation through qdev_create() (migcheck fixture: MIG024 old_tree_qdev_create) */
// fixture-path: hw/pc_piix.c
#include "hw.h"
#include "pc.h"

#define TYPE_FOO_CLOCK "foo-clock"

static const VMStateDescription vmstate_foo_clock = {
    .name = "foo-clock",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField []) {
        VMSTATE_UINT64(clock, FooClockState),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_clock_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_clock;
}

static TypeInfo foo_clock_info = {
    .name = TYPE_FOO_CLOCK,
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = foo_clock_class_init,
};

static void pc_init1(MemoryRegion *system_memory, int pci_enabled)
{
    DeviceState *dev;

    dev = qdev_create(NULL, "hpet");
    qdev_init_nofail(dev);
}

static QEMUMachine pc_machine_v1_2 = {
    .name = "pc-1.2",
    .init = pc_init_pci,
};

static QEMUMachine pc_machine_v1_1 = {
    .name = "pc-1.1",
    .init = pc_init_pci,
};
