/* Assigned device (migcheck fixture: MIG033 rom_bar_moved_to_helper, like bcd7461e7e84):
 * the ROM BAR registration moves into a helper in a new file that takes the PCIDevice. */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/rom-helper.h"

typedef struct FooAssignState {
    PCIDevice dev;
    MemoryRegion bar;
} FooAssignState;

static void foo_assign_load_rom(FooAssignState *d)
{
    pci_load_rom_helper(&d->dev, OBJECT(d));
}

static void foo_assign_realize(PCIDevice *pci_dev, Error **errp)
{
    FooAssignState *d = FOO_ASSIGN(pci_dev);

    foo_assign_load_rom(d);
}
