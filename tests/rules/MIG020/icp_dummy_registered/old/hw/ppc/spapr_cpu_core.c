/*
 * sPAPR CPU core (migcheck fixture: MIG020 icp_dummy_registered)
 */
#include "qemu/osdep.h"
#include "hw/ppc/spapr_cpu_core.h"

static void spapr_cpu_core_realize_child(Object *child, Error **errp)
{
    Error *local_err = NULL;

    object_property_set_bool(child, "realized", true, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }
}
