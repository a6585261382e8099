/* x86 CPU state (migcheck fixture: MIG062 guest_register_ok) */
#include "qemu/osdep.h"
#include "cpu.h"

static bool tsc_aux_needed(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    return env->tsc_aux != 0;
}

static const VMStateDescription vmstate_tsc_aux = {
    .name = "cpu/tsc_aux",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = tsc_aux_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64(env.tsc_aux, X86CPU),
        VMSTATE_END_OF_LIST()
    }
};

VMStateDescription vmstate_x86_cpu = {
    .name = "cpu",
    .version_id = 12,
    .minimum_version_id = 11,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(env.hflags, X86CPU),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription*[]) {
        &vmstate_tsc_aux,
        NULL
    }
};
