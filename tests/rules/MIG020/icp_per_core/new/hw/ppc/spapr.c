/*
 * pseries machine (migcheck fixture: MIG020 icp_per_core)
 */
#include "qemu/osdep.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/xics.h"

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

    try_create_xics(spapr, TYPE_ICP, spapr->max_servers, errp);
}
