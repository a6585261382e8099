/* spapr machine init keeps a migration blocker's reason (migcheck fixture: MIG051
 * stored_blocker_ok, minimised from 2500fb423adb) */
// fixture-path: hw/ppc/spapr.c
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/ppc/spapr.h"

static void spapr_machine_init(MachineState *machine)
{
    SpaprMachineState *spapr = SPAPR_MACHINE(machine);

    spapr_events_init(spapr);
}
