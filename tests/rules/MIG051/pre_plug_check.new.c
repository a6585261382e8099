/* A machine's pre-plug hook starts rejecting a core configuration (migcheck fixture: MIG051) */
// fixture-path: hw/ppc/fooboard.c
#include "hw/boards.h"

static void foo_core_pre_plug(HotplugHandler *hotplug_dev, DeviceState *dev,
                              Error **errp)
{
    FooCore *cc = FOO_CORE(dev);
    Error *local_err = NULL;

    if (cc->core_id % smp_threads) {
        error_setg(errp, "invalid core id %d", cc->core_id); // ok: MIG051
        return;
    }

    if (cc->nr_threads != smp_threads) {
        error_setg(errp, "invalid nr-threads %d, must be %d", // expect: MIG051
                   cc->nr_threads, smp_threads);
        return;
    }
    foo_find_slot(cc, &local_err);
    if (local_err) {
        error_setg(errp, "no slot"); // ok: MIG051
        return;
    }
}
