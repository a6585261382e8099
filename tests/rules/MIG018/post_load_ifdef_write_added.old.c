/* X86 CPU (migcheck fixture: MIG018 post_load_ifdef_write_added, minimised from ebbfef2f34cf
 * target/i386/machine.c): a post_load gains a consistency check under #ifdef CONFIG_KVM that
 * writes a member older code never wrote: still a change of logic. */
// fixture-path: target/i386/machine.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int cpu_post_load(void *opaque, int version_id)
{
    X86CPU *cpu = opaque;
    CPUX86State *env = &cpu->env;

    env->hflags &= ~HF_CPL_MASK;
    env->hflags |= (env->segs[R_SS].flags >> DESC_DPL_SHIFT) & HF_CPL_MASK;

    env->fpstt = (env->fpus_vmstate >> 11) & 7;
    env->fpus = env->fpus_vmstate & ~0x3800;
    return 0;
}

VMStateDescription vmstate_x86_cpu = {
    .name = "cpu",
    .version_id = 12,
    .minimum_version_id = 11,
    .post_load = cpu_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(env.fpus_vmstate, X86CPU),
        VMSTATE_UINT32(env.hflags, X86CPU),
        VMSTATE_END_OF_LIST()
    }
};
