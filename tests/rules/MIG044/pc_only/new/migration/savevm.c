/* Migration core (migcheck fixture: MIG044 pc_only, like 37fb569c0198) */
#include "qemu/osdep.h"
#include "migration/migration.h"

static bool skip_footers;
static bool skip_configuration;

void savevm_skip_section_footers(void)
{
    skip_footers = true;
}

void savevm_skip_configuration(void)
{
    skip_configuration = true;
}
