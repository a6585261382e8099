/* x86 CPU state (migcheck fixture: MIG062 host_counter) */
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

static bool msr_smi_count_needed(void *opaque) // expect: MIG062
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    return env->msr_smi_count != 0;
}

static const VMStateDescription vmstate_msr_smi_count = {
    .name = "cpu/msr_smi_count",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = msr_smi_count_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64(env.msr_smi_count, X86CPU),
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
        &vmstate_msr_smi_count,
        NULL
    }
};
