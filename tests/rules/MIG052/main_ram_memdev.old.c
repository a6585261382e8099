/* A board hands its main RAM to the generic memdev code (migcheck fixture: MIG052) */
// fixture-path: hw/s390x/foo-board.c
#include "hw/boards.h"

static void foo_memory_init(ram_addr_t mem_size)
{
    MemoryRegion *sysmem = get_system_memory();
    MemoryRegion *ram = g_new(MemoryRegion, 1);

    memory_region_allocate_system_memory(ram, NULL, "foo.ram", mem_size);
    memory_region_add_subregion(sysmem, 0, ram);
}

static void foo_init(MachineState *machine)
{
    foo_memory_init(machine->ram_size);
}

static void foo_machine_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->init = foo_init;
}
