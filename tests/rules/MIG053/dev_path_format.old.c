/* A bus's get_dev_path changes its format; a helper only renamed (migcheck fixture: MIG053) */
// fixture-path: hw/foo/foo-bus.c
#include "hw/qdev-core.h"

static char *foo_bus_get_dev_path(DeviceState *dev)
{
    FooDevice *d = FOO_DEVICE(dev);

    return g_strdup_printf("%04x:%02x", d->domain, d->slot);
}

static const char *foo_host_root_path(FooHost *h)
{
    return "0000";
}

static void foo_bus_class_init(ObjectClass *klass, void *data)
{
    BusClass *k = BUS_CLASS(klass);
    FooHostClass *hc = FOO_HOST_CLASS(klass);

    k->get_dev_path = foo_bus_get_dev_path;
    hc->root_bus_path = foo_host_root_path;
}

static char *foo_get_fw_dev_path(FWPathProvider *p, BusState *bus, DeviceState *dev)
{
    return g_strdup_printf("channel@%x/foo@%x", 0, 1);
}

static void foo_dev_class_init(ObjectClass *klass, void *data)
{
    FWPathProviderClass *fwc = FW_PATH_PROVIDER_CLASS(klass);

    fwc->get_dev_path = foo_get_fw_dev_path;
}
