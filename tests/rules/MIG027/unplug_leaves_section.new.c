/* spapr CPU core (migcheck fixture: MIG027, from b94020268e0b) */
// fixture-path: hw/ppc/spapr_cpu_core.c
#include "qemu/osdep.h"
#include "hw/ppc/spapr_cpu_core.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_spapr_cpu_state = {
    .name = "spapr_cpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_END_OF_LIST()
    },
};

static void spapr_unrealize_vcpu(PowerPCCPU *cpu)
{
    qemu_unregister_reset(spapr_cpu_reset, cpu);
    object_unparent(OBJECT(cpu));
}

static void spapr_cpu_core_unrealize(DeviceState *dev, Error **errp)
{
    sPAPRCPUCore *sc = SPAPR_CPU_CORE(OBJECT(dev));
    CPUCore *cc = CPU_CORE(dev);
    int i;

    for (i = 0; i < cc->nr_threads; i++) {
        spapr_unrealize_vcpu(sc->threads[i]);
    }
    g_free(sc->threads);
}

static PowerPCCPU *spapr_create_vcpu(sPAPRCPUCore *sc, int i, Error **errp)
{
    PowerPCCPU *cpu = POWERPC_CPU(object_new(sc->cpu_type));

    cpu->machine_data = g_new0(sPAPRCPUState, 1);
    if (!sc->pre_3_0_migration) {
        vmstate_register(NULL, i, &vmstate_spapr_cpu_state, cpu->machine_data); // expect: MIG027
    }
    return cpu;
}

static void spapr_delete_vcpu(PowerPCCPU *cpu)
{
    vmstate_unregister(NULL, &vmstate_spapr_cpu_state, cpu->machine_data);
    g_free(cpu->machine_data);
    cpu->machine_data = NULL;
    object_unparent(OBJECT(cpu));
}

static void spapr_cpu_core_realize(DeviceState *dev, Error **errp)
{
    sPAPRCPUCore *sc = SPAPR_CPU_CORE(OBJECT(dev));
    CPUCore *cc = CPU_CORE(OBJECT(dev));
    Error *local_err = NULL;
    int i;

    for (i = 0; i < cc->nr_threads; i++) {
        sc->threads[i] = spapr_create_vcpu(sc, i, &local_err);
        if (local_err) {
            goto err;
        }
    }
    return;

err:
    while (--i >= 0) {
        spapr_delete_vcpu(sc->threads[i]);
    }
    error_propagate(errp, local_err);
}
