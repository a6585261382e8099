/* LM32 CPU models (migcheck fixture: MIG020 cpu_model_subclass_ok, like 34f4aa83f967) */
// fixture-path: target-lm32/cpu.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

#define TYPE_LM32_CPU "lm32-cpu"

static const VMStateDescription vmstate_lm32_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(regs, CPULM32State, 32),
        VMSTATE_END_OF_LIST()
    },
};

static void lm32_cpu_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->vmsd = &vmstate_lm32_cpu;
}

static const TypeInfo lm32_cpu_type_info = {
    .name = TYPE_LM32_CPU,
    .parent = TYPE_CPU,
    .instance_size = sizeof(LM32CPU),
    .class_init = lm32_cpu_class_init,
};

static void lm32_cpu_register_types(void)
{
    type_register_static(&lm32_cpu_type_info);
}

type_init(lm32_cpu_register_types)

LM32CPU *cpu_lm32_init(const char *cpu_model)
{
    LM32CPU *cpu;
    ObjectClass *oc;

    oc = cpu_class_by_name(TYPE_LM32_CPU, cpu_model);
    if (oc == NULL) {
        return NULL;
    }
    cpu = LM32_CPU(object_new(object_class_get_name(oc))); // ok: MIG020
    return cpu;
}
