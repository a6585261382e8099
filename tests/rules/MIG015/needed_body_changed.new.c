/* Cpu (migcheck fixture: MIG015 needed_body_changed): bodies of .needed and _TEST functions
 * an unchanged vmsd uses: a new runtime condition (expect), a condition tied to a compat
 * property (note), a rewrite in other words (ok). */
// fixture-path: target/i386/machine_fx.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

// expect: MIG015
static bool smi_count_needed(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    return env->msr_smi_count != 0 || env->smm_pending;
}

// note: MIG015
static bool runtime_needed(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    if (!cpu->hyperv_runtime) {
        return false;
    }
    return env->msr_hv_runtime != 0;
}

// ok: MIG015
static bool fifo_valid(void *opaque, int version_id)
{
    X86CPU *x86 = X86_CPU(opaque);

    trace_fifo_valid(x86->fifo_len);
    return x86->fifo_len <= 16; /* the array holds 16 */
}

static const VMStateDescription vmstate_smi_count = {
    .name = "cpu/msr_smi_count",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smi_count_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.msr_smi_count, X86CPU),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_runtime = {
    .name = "cpu/msr_hyperv_runtime",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = runtime_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(env.msr_hv_runtime, X86CPU),
        VMSTATE_UINT8_ARRAY_TEST(fifo, X86CPU, 16, fifo_valid),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_x86_cpu = {
    .name = "cpu",
    .version_id = 12,
    .minimum_version_id = 11,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(env.hflags, X86CPU),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_smi_count,
        &vmstate_runtime,
        NULL
    }
};

static Property x86_cpu_properties[] = {
    DEFINE_PROP_BOOL("hv-runtime", X86CPU, hyperv_runtime, false),
    DEFINE_PROP_END_OF_LIST(),
};
