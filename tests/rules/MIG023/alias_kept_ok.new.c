/* ICP (migcheck fixture: MIG023 alias_kept_ok) */
// fixture-path: hw/intc/xics.c
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
    vmstate_register_with_alias_id(NULL, cpu->vcpu_id, &vmstate_icp_server, icp, // ok: MIG023
                                   CPU(cpu)->cpu_index, 1, &error_fatal);
}
