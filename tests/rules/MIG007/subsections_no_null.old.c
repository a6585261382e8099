// fixture-path: target/foo/machine.c
#include "migration/cpu.h"

const VMStateDescription vmstate_foo_cpu = {
    .name = "cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.pc, FooCPU),
        VMSTATE_END_OF_LIST()
    },
};
