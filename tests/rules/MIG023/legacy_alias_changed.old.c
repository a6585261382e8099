/* serial (migcheck fixture: MIG023 legacy_alias_changed) */
// fixture-path: hw/char/serial-isa.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"

static void serial_isa_realizefn(DeviceState *dev, Error **errp)
{
    ISASerialState *isa = ISA_SERIAL(dev);

    qdev_set_legacy_instance_id(dev, isa->iobase, 3);
}
