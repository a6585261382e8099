/* Main RAM of the plain -m size to memdev; a RAM block moved into a helper; a new
 * device's ROM (migcheck fixture: MIG052) */
// fixture-path: hw/arm/bar-board.c
#include "hw/boards.h"

static void bar_init(MachineState *machine)
{
    MemoryRegion *ram = g_new(MemoryRegion, 1);
    MemoryRegion *sram = g_new(MemoryRegion, 1);

    memory_region_allocate_system_memory(ram, NULL, "bar.ram", machine->ram_size);
    memory_region_init_ram(sram, NULL, "bar.sram", 0x10000, &error_fatal);
}

static void bar_machine_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->init = bar_init;
}
