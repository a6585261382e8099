/* x86 CPU (migcheck fixture: MIG018 pre_save_added_state_gate_note): pre_save now converts a
 * pending exception, a state member the same change adds, into the injected form older QEMU
 * understands, delivering its payload into migrated registers; the block runs only when the
 * added member is set, which no state of older code is (note, fd13f23b8c95). The same writes
 * under a test of a member older code already had change what older streams carry (expect). */
// fixture-path: target/i386/machine.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct CPUX86State {
    uint64_t cr[5];
    uint64_t dr[8];
    int32_t exception_nr;
    uint32_t hflags;
    uint8_t has_error_code;
} CPUX86State;

typedef struct X86CPU {
    CPUX86State env;
} X86CPU;

static int cpu_pre_save(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    env->has_error_code = 0;
    return 0;
}

static int apic_pre_save(void *opaque)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    env->exception_nr = -1;
    return 0;
}

VMStateDescription vmstate_x86_cpu = {
    .name = "cpu",
    .version_id = 12,
    .minimum_version_id = 11,
    .pre_save = cpu_pre_save,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64_ARRAY(env.cr, X86CPU, 5),
        VMSTATE_UINT64_ARRAY(env.dr, X86CPU, 8),
        VMSTATE_INT32(env.exception_nr, X86CPU),
        VMSTATE_UINT32(env.hflags, X86CPU),
        VMSTATE_END_OF_LIST()
    },
};

VMStateDescription vmstate_x86_apic = {
    .name = "cpu-apic",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = apic_pre_save,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64_ARRAY(env.cr, X86CPU, 5),
        VMSTATE_INT32(env.exception_nr, X86CPU),
        VMSTATE_END_OF_LIST()
    },
};
