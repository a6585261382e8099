/* PC i440fx boards (migcheck fixture: MIG044 both_families) */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "migration/migration.h"

static void pc_compat_2_3(MachineState *machine)
{
    savevm_skip_section_footers();
}

static const TypeInfo pc_piix_types[] = {
    { .name = "pc-i440fx-2.3-machine", .parent = TYPE_MACHINE },
    { .name = "pc-i440fx-2.4-machine", .parent = TYPE_MACHINE },
};
