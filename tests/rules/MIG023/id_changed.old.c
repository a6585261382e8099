/* ICP (migcheck fixture: MIG023 id_changed) */
// fixture-path: hw/intc/xics.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_icp_server = {
    .name = "icp/server",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(xirr, ICPState),
        VMSTATE_END_OF_LIST()
    },
};

static void icp_realize(ICPState *icp, PowerPCCPU *cpu)
{
    vmstate_register(NULL, CPU(cpu)->cpu_index, &vmstate_icp_server, icp);
}
