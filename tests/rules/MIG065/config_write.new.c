/* a PCI host bridge with a guest-written config register (migcheck fixture: MIG065
 * config_write; the shape of i440fx/q35 SMRAM-style registers written via config_write) */
// fixture-path: hw/pci-host/bridge.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"

typedef struct BridgeState {
    PCIDevice dev;
    uint8_t smm_enabled;
    uint8_t esmramc;
} BridgeState;

static void bridge_write_config(PCIDevice *d, uint32_t address, uint32_t val, int len)
{
    BridgeState *s = (BridgeState *)d;

    pci_default_write_config(d, address, val, len);
    s->smm_enabled = d->config[0x72] & 8;
    s->esmramc = d->config[0x9e];
}

static const VMStateDescription vmstate_bridge = { // expect: MIG065
    .name = "BRIDGE",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, BridgeState),
        VMSTATE_UINT8(smm_enabled, BridgeState),
        VMSTATE_END_OF_LIST()
    }
};

static uint32_t bridge_smram_size(BridgeState *s)
{
    return s->smm_enabled && (s->esmramc & 1) ? 0x20000 : 0;
}

static void bridge_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->config_write = bridge_write_config;
    dc->vmsd = &vmstate_bridge;
}
