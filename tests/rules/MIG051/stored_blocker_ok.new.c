/* spapr machine init keeps a migration blocker's reason (migcheck fixture: MIG051
 * stored_blocker_ok, minimised from 2500fb423adb) */
// fixture-path: hw/ppc/spapr.c
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/ppc/spapr.h"

static void spapr_machine_init(MachineState *machine)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(machine);

    if (spapr_get_cap(spapr, SPAPR_CAP_FWNMI_MCE) == SPAPR_CAP_ON) {
        /* Create the error string for live migration blocker */
        error_setg(&spapr->fwnmi_migration_blocker, // ok: MIG051
            "A machine check is being handled during migration. The handler"
            "may run and log hardware error on the destination");
    }
    if (machine->ram_size > 4 * GiB) {
        error_setg(&error_fatal, "too much memory"); // expect: MIG051
    }

    spapr_events_init(spapr);
}
