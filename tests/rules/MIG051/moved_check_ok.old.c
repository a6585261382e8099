/* A check moved from realize into a helper and reworded, a warning, a new
 * function (migcheck fixture: MIG051) */
// fixture-path: hw/misc/foodev.c
#include "hw/qdev-core.h"

static void foo_realize(DeviceState *dev, Error **errp)
{
    FooState *s = FOO(dev);

    if (s->num_queues > FOO_MAX_QUEUES) {
        error_setg(errp, "Invalid number of queues: %d", s->num_queues);
        return;
    }
}
