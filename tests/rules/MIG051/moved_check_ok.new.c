/* A check moved from realize into a helper and reworded, a warning, a new
 * function (migcheck fixture: MIG051) */
// fixture-path: hw/misc/foodev.c
#include "hw/qdev-core.h"

static bool foo_check_queues(FooState *s, Error **errp)
{
    if (s->num_queues > FOO_MAX_QUEUES) {
        error_setg(errp, "invalid number of queues (%d)", s->num_queues); // ok: MIG051
        return false;
    }
    return true;
}

static void foo_realize(DeviceState *dev, Error **errp)
{
    FooState *s = FOO(dev);

    if (!foo_check_queues(s, errp)) {
        return;
    }
    if (s->legacy) {
        error_report("legacy mode is deprecated"); // ok: MIG051
    }
}

static void foo_plug(HotplugHandler *h, DeviceState *dev, Error **errp)
{
    if (!dev->realized) {
        error_setg(errp, "device not realized"); // ok: MIG051
        return;
    }
}
