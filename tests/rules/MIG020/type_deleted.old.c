/* IRQ gate device (migcheck fixture: MIG020 type_deleted, like 2bd84b6818) */
// fixture-path: hw/intc/irq_gate.c
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

#define TYPE_IRQ_GATE "irq-gate"

static const VMStateDescription vmstate_irq_gate = {
    .name = "irq-gate",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(level, IrqGateState, 8),
        VMSTATE_END_OF_LIST()
    },
};

static void irq_gate_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_irq_gate;
}

static const TypeInfo irq_gate_info = { // expect-old: MIG020
    .name = TYPE_IRQ_GATE,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(IrqGateState),
    .class_init = irq_gate_class_init,
};

static void irq_gate_register_types(void)
{
    type_register_static(&irq_gate_info);
}

type_init(irq_gate_register_types)
