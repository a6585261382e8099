/* savevm header (migcheck fixture: MIG066: a new item in the stream header, sent only when the migration object says so: ok) */
// fixture-path: migration/savevm.c
#include "migration/migration.h"

void qemu_savevm_state_header(QEMUFile *f)
{
    qemu_put_be32(f, QEMU_VM_FILE_MAGIC);
    qemu_put_be32(f, QEMU_VM_FILE_VERSION);
}
