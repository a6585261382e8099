/* SPARC CPU vmstate (migcheck fixture: MIG068 split_register_ok, minimised from 3590f01ed288) */
#include "qemu/osdep.h"
#include "cpu.h"
#include "migration/cpu.h"

static int get_fsr(QEMUFile *f, void *opaque, size_t size,
                   const VMStateField *field)
{
    SPARCCPU *cpu = opaque;
    target_ulong val = qemu_get_betl(f);

    cpu_put_fsr(&cpu->env, val);
    return 0;
}

static int put_fsr(QEMUFile *f, void *opaque, size_t size,
                   const VMStateField *field, JSONWriter *vmdesc)
{
    SPARCCPU *cpu = opaque;
    target_ulong val = cpu_get_fsr(&cpu->env);

    qemu_put_betl(f, val);
    return 0;
}

static const VMStateInfo vmstate_fsr = {
    .name = "fsr",
    .get = get_fsr,
    .put = put_fsr,
};

const VMStateDescription vmstate_sparc_cpu = {
    .name = "cpu",
    .version_id = SPARC_VMSTATE_VER,
    .minimum_version_id = SPARC_VMSTATE_VER,
    .fields = (const VMStateField[]) {
        VMSTATE_UINTTL_ARRAY(env.gregs, SPARCCPU, 8),
        VMSTATE_UINTTL(env.pc, SPARCCPU),
        VMSTATE_UINTTL(env.npc, SPARCCPU),
        VMSTATE_UINTTL(env.y, SPARCCPU),
        {
            .name = "fsr",
            .version_id = 0,
            .size = sizeof(target_ulong),
            .info = &vmstate_fsr,
            .flags = VMS_SINGLE,
            .offset = 0,
        },
        VMSTATE_END_OF_LIST()
    },
};
