/*
 * sPAPR CPU core (migcheck fixture: MIG020 icp_dummy_registered)
 */
#include "qemu/osdep.h"
#include "hw/ppc/spapr_cpu_core.h"

static void spapr_cpu_core_realize_child(Object *child, Error **errp)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(qdev_get_machine());
    PowerPCCPU *cpu = POWERPC_CPU(child);
    Error *local_err = NULL;
    Object *obj;

    obj = object_new(spapr->icp_type);
    object_property_add_child(OBJECT(cpu), "icp", obj);
    object_property_set_bool(obj, "realized", true, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }

    object_property_set_bool(child, "realized", true, &local_err);
    if (local_err) {
        object_unparent(obj);
        error_propagate(errp, local_err);
        return;
    }
}
