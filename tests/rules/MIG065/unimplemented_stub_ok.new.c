/* piix4 (migcheck fixture: MIG065 unimplemented_stub_ok, a LOG_UNIMP stub register like iotkit-sysctl EWCTRL (048364141864)) */
// fixture-path: hw/isa/piix4.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"

typedef struct PIIX4State {
    PCIDevice dev;

    /* Reset Control Register */
    MemoryRegion rcr_mem;
    uint8_t rcr;
} PIIX4State;

static const VMStateDescription vmstate_piix4 = { // ok: MIG065
    .name = "PIIX4",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, PIIX4State),
        VMSTATE_END_OF_LIST()
    }
};

static void piix4_rcr_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned int len)
{
    PIIX4State *s = opaque;

    switch (addr) {
    case 0:
        if (val & 4) {
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
            return;
        }
        break;
    case 1:
        qemu_log_mask(LOG_UNIMP, "PIIX4 RCR unimplemented\n");
        s->rcr = val & 2;
        break;
    }
}

static uint64_t piix4_rcr_read(void *opaque, hwaddr addr, unsigned int len)
{
    PIIX4State *s = opaque;

    return s->rcr;
}

static const MemoryRegionOps piix4_rcr_ops = {
    .read = piix4_rcr_read,
    .write = piix4_rcr_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void piix4_realize(PCIDevice *dev, Error **errp)
{
    PIIX4State *s = PIIX4_PCI_DEVICE(dev);

    memory_region_init_io(&s->rcr_mem, OBJECT(dev), &piix4_rcr_ops, s,
                          "reset-control", 1);
}
