/* Migration core (migcheck fixture: MIG044 both_families, like 37fb569c0198) */
#include "qemu/osdep.h"
#include "migration/migration.h"

static bool skip_footers;

void savevm_skip_section_footers(void)
{
    skip_footers = true;
}
