/*
 * pseries machine (migcheck fixture: MIG020 icp_dummy_registered)
 */
#include "qemu/osdep.h"
#include "hw/ppc/spapr.h"
#include "hw/ppc/xics.h"

static int try_create_xics(SpaprMachineState *spapr, const char *type_icp,
                           int nr_servers, Error **errp)
{
    int i;

    spapr->icps = g_malloc0(nr_servers * sizeof(ICPState));
    spapr->nr_servers = nr_servers;

    for (i = 0; i < nr_servers; i++) {
        ICPState *icp = &spapr->icps[i];

        object_initialize(icp, sizeof(*icp), type_icp); // ok: MIG020
        object_property_add_child(OBJECT(spapr), "icp[*]", OBJECT(icp));
        object_property_set_bool(OBJECT(icp), "realized", true, errp);
    }
    return 0;
}

static void xics_system_init(MachineState *machine, Error **errp)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(machine);

    try_create_xics(spapr, TYPE_ICP, spapr->max_servers, errp);
}
