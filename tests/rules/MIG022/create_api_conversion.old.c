/* PC board: qdev_create()/qdev_init_nofail() rewritten as qdev_new()/sysbus_realize_and_unref()
   (3e80f6902c, June 2020) is the same creation (migcheck fixture: MIG022 create_api_conversion) */
// fixture-path: hw/i386/pc.c
#include "qemu/osdep.h"
#include "hw/i386/pc.h"
#include "migration/vmstate.h"

#define TYPE_FOO_CLOCK "foo-clock"

static const VMStateDescription vmstate_foo_clock = {
    .name = "foo-clock",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(clock, FooClockState),
        VMSTATE_END_OF_LIST()
    },
};

static void foo_clock_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_clock;
}

static const TypeInfo foo_clock_info = {
    .name = TYPE_FOO_CLOCK,
    .parent = TYPE_SYS_BUS_DEVICE,
    .class_init = foo_clock_class_init,
};

void pc_basic_device_init(PCMachineState *pcms)
{
    DeviceState *dev;

    pcms->ready = true;
    dev = qdev_create(NULL, TYPE_FOO_CLOCK);
    qdev_prop_set_uint32(dev, "freq", 100);
    qdev_init_nofail(dev);
}
