/*
 * ARM M-profile CPU state (migcheck fixture: MIG004 minimum_raised_field_dropped, minimised
 * from QEMU abc24d86cc03 target/arm/machine.c): two fields dropped and the minimum version
 * raised past the streams that carry them
 */
// fixture-path: target/arm/machine.c
#include "qemu/osdep.h"
#include "cpu.h"
#include "migration/vmstate.h"

static bool m_needed(void *opaque)
{
    ARMCPU *cpu = opaque;

    return arm_feature(&cpu->env, ARM_FEATURE_M);
}

static const VMStateDescription vmstate_m = { // expect: MIG004, MIG004
    .name = "cpu/m",
    .version_id = 2,
    .minimum_version_id = 2,
    .needed = m_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(env.v7m.vecbase, ARMCPU),
        VMSTATE_UINT32(env.v7m.control, ARMCPU),
        VMSTATE_INT32(env.v7m.exception, ARMCPU),
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_arm_cpu = {
    .name = "cpu",
    .version_id = 22,
    .minimum_version_id = 22,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32_ARRAY(env.regs, ARMCPU, 16),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription*[]) {
        &vmstate_m,
        NULL
    }
};
