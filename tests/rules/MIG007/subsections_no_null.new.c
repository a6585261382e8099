// fixture-path: target/foo/machine.c
#include "migration/cpu.h"

static bool fpu_needed(void *opaque)
{
    FooCPU *cpu = opaque;

    return cpu->env.has_fpu;
}

static const VMStateDescription vmstate_fpu = {
    .name = "cpu/fpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = fpu_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_ARRAY(env.fpr, FooCPU, 32),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_foo_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.pc, FooCPU),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_fpu,
    }
}; // expect: MIG007
