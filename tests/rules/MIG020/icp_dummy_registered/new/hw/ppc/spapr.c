/*
 * pseries machine (migcheck fixture: MIG020 icp_dummy_registered)
 */
#include "qemu/osdep.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/xics.h"

static bool pre_2_10_vmstate_dummy_icp_needed(void *opaque)
{
    return false;
}

static const VMStateDescription pre_2_10_vmstate_dummy_icp = {
    .name = "icp/server",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = pre_2_10_vmstate_dummy_icp_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UNUSED(4), /* uint32_t xirr */
        VMSTATE_UNUSED(1), /* uint8_t pending_priority */
        VMSTATE_UNUSED(1), /* uint8_t mfrr */
        VMSTATE_END_OF_LIST()
    },
};

static void pre_2_10_vmstate_register_dummy_icp(int i)
{
    vmstate_register(NULL, i, &pre_2_10_vmstate_dummy_icp, // ok: MIG024
                     (void *)(uintptr_t) i);
}

static int try_create_xics(SpaprMachineState *spapr, const char *type_icp,
                           int nr_servers, Error **errp)
{
    spapr->nr_servers = nr_servers;
    spapr->icp_type = type_icp;
    return 0;
}

static void xics_system_init(MachineState *machine, Error **errp)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(machine);

    SpaprMachineClass *smc = SPAPR_MACHINE_GET_CLASS(machine);

    try_create_xics(spapr, TYPE_ICP, spapr->max_servers, errp);
    if (smc->pre_2_10_has_unused_icps) {
        int i;

        for (i = 0; i < spapr->max_servers; i++) {
            pre_2_10_vmstate_register_dummy_icp(i);
        }
    }
}
