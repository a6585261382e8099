/* RAM save loop, 2013 (migcheck fixture: MIG066, minimised from f1c72795af57, gated: ok) */
// fixture-path: arch_init.c
#include "migration/migration.h"

static bool ram_bulk_stage;

static int ram_save_block(QEMUFile *f, bool last_stage)
{
    int bytes_sent = 0;
    uint8_t *p = next_page();

    if (is_zero_page(p)) {
        bytes_sent = save_block_hdr(f, RAM_SAVE_FLAG_COMPRESS);
        qemu_put_byte(f, 0);
        bytes_sent++;
    } else {
        bytes_sent = save_block_hdr(f, RAM_SAVE_FLAG_PAGE);
        qemu_put_buffer(f, p, TARGET_PAGE_SIZE);
        bytes_sent += TARGET_PAGE_SIZE;
    }
    return bytes_sent;
}
