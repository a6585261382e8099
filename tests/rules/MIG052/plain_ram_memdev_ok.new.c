/* Main RAM of the plain -m size to memdev; a RAM block moved into a helper; a new
 * device's ROM (migcheck fixture: MIG052) */
// fixture-path: hw/arm/bar-board.c
#include "hw/boards.h"

static void bar_sram_init(void)
{
    MemoryRegion *sram = g_new(MemoryRegion, 1);

    memory_region_init_ram(sram, NULL, "bar.sram", 0x10000, &error_fatal); // ok: MIG052
}

static void bar_init(MachineState *machine)
{
    bar_sram_init();
}

static void bar_newdev_realize(DeviceState *dev, Error **errp)
{
    memory_region_init_rom(&s->rom, OBJECT(dev), "bar-newdev.rom", 0x1000, errp); // ok: MIG052
}

static void bar_machine_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->init = bar_init;
    mc->default_ram_id = "bar.ram"; // ok: MIG052
}
