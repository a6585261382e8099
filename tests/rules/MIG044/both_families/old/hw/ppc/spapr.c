/* pseries boards (migcheck fixture: MIG044 both_families) */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "migration/migration.h"

static void spapr_compat_2_3(Object *obj)
{
    savevm_skip_section_footers();
}

static const TypeInfo spapr_machine_types[] = {
    { .name = "spapr-machine2.3", .parent = TYPE_MACHINE },
    { .name = "spapr-machine2.4", .parent = TYPE_MACHINE },
};
