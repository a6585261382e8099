/* target-alpha/machine.c (migcheck fixture: MIG026, from fe31e7374299) */
#include "hw/hw.h"
#include "hw/boards.h"

static VMStateField vmstate_env_fields[] = {
    VMSTATE_UINTTL_ARRAY(ir, CPUAlphaState, 31),
    VMSTATE_UINTTL(pc, CPUAlphaState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription vmstate_env = {
    .name = "env",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = vmstate_env_fields,
};

static VMStateField vmstate_cpu_fields[] = {
    VMSTATE_CPU(), // expect: MIG026
    VMSTATE_STRUCT(env, AlphaCPU, 1, vmstate_env, CPUAlphaState), // ok: MIG026 (env is not registered)
    VMSTATE_END_OF_LIST()
};

const VMStateDescription vmstate_alpha_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = vmstate_cpu_fields,
};
