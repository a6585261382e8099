/* RAM load switch (migcheck fixture: MIG066: a new flag's data read in its own case is
 * what a newer source sends; an older source never sets the flag) */
// fixture-path: migration/ram.c
#include "migration/migration.h"

static int ram_load_precopy(QEMUFile *f)
{
    int flags = 0;

    while (!(flags & RAM_SAVE_FLAG_EOS)) {
        uint64_t addr = qemu_get_be64(f);

        flags = addr & ~TARGET_PAGE_MASK;
        switch (flags & ~RAM_SAVE_FLAG_CONTINUE) {
        case RAM_SAVE_FLAG_ZERO:
            ram_handle_zero(host, qemu_get_byte(f));
            break;
        case RAM_SAVE_FLAG_PAGE:
            qemu_get_buffer(f, host, TARGET_PAGE_SIZE);
            break;
        }
    }
    return 0;
}
