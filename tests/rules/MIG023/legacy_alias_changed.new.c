/* serial (migcheck fixture: MIG023 legacy_alias_changed) */
// fixture-path: hw/char/serial-isa.c
#include "qemu/osdep.h"

static void serial_isa_realizefn(DeviceState *dev, Error **errp)
{
    ISASerialState *isa = ISA_SERIAL(dev);

    qdev_set_legacy_instance_id(dev, isa->index, 3); // expect: MIG023
}
