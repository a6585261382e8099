/* piix4 (migcheck fixture: MIG065 unimplemented_stub_ok, a LOG_UNIMP stub register like iotkit-sysctl EWCTRL (048364141864)) */
// fixture-path: hw/isa/piix4.c
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"

typedef struct PIIX4State {
    PCIDevice dev;
} PIIX4State;

static const VMStateDescription vmstate_piix4 = {
    .name = "PIIX4",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(dev, PIIX4State),
        VMSTATE_END_OF_LIST()
    }
};

static void piix4_realize(PCIDevice *dev, Error **errp)
{
}
