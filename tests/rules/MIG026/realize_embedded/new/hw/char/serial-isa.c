/* ISA serial (migcheck fixture: MIG026, from c9808d602813) */
#include "qemu/osdep.h"
#include "hw/char/serial.h"
#include "hw/isa/isa.h"
#include "migration/vmstate.h"

typedef struct ISASerialState {
    ISADevice parent_obj;
    uint32_t index;
    uint32_t iobase;
    SerialState state;
    FooTimer timer;
} ISASerialState;

static void serial_isa_realizefn(DeviceState *dev, Error **errp)
{
    ISADevice *isadev = ISA_DEVICE(dev);
    ISASerialState *isa = ISA_SERIAL(dev);
    SerialState *s = &isa->state;

    isa_init_irq(isadev, &s->irq, isa->isairq);
    object_property_set_bool(OBJECT(s), true, "realized", errp); // expect: MIG026
    qdev_realize(DEVICE(&isa->timer), NULL, errp); // ok: MIG026 (not in the vmsd)
    qdev_set_legacy_instance_id(dev, isa->iobase, 3);
}

static const VMStateDescription vmstate_isa_serial = {
    .name = "serial",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_STRUCT(state, ISASerialState, 0, vmstate_serial, SerialState),
        VMSTATE_END_OF_LIST()
    }
};

static void serial_isa_class_initfn(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = serial_isa_realizefn;
    dc->vmsd = &vmstate_isa_serial;
}

static const TypeInfo serial_isa_info = {
    .name = TYPE_ISA_SERIAL,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(ISASerialState),
    .class_init = serial_isa_class_initfn,
};
