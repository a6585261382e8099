/* Iommu (migcheck fixture: MIG019 bypass_switch): a runtime switch between two memory
 * regions, reached from the config write and the attach command but not from post_load. */
// fixture-path: hw/virtio/iommu_fx.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static void iommu_attach(IommuState *s, uint32_t ep)
{
    s->attached = ep;
}

static void iommu_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    IommuState *s = IOMMU(vdev);

    s->bypass = config[0];
}

static void iommu_device_realize(DeviceState *dev, Error **errp)
{
    IommuState *s = IOMMU(dev);

    memory_region_init(&s->root, OBJECT(s), "root", UINT64_MAX);
}

static gboolean reconstruct_endpoint(gpointer key, gpointer value, gpointer data)
{
    return false;
}

static int iommu_post_load(void *opaque, int version_id)
{
    IommuState *s = opaque;

    g_tree_foreach(s->domains, reconstruct_endpoint, s);
    return 0;
}

static const VMStateDescription vmstate_iommu = {
    .name = "iommu",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = iommu_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(bypass, IommuState),
        VMSTATE_UINT32(attached, IommuState),
        VMSTATE_END_OF_LIST()
    }
};

static void iommu_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_iommu;
    vdc->realize = iommu_device_realize;
    vdc->set_config = iommu_set_config;
}
