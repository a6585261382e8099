/* subsection writer (migcheck fixture: MIG066: a local renamed, the same bytes: ok;
 * shape of 46a02a745176) */
// fixture-path: migration/vmstate.c
#include "migration/vmstate.h"

static void vmstate_subsection_save(QEMUFile *f, const VMStateDescription *vmsd,
                                    void *opaque, JSONWriter *vmdesc)
{
    const VMStateDescription **sub = vmsd->subsections;

    while (sub && *sub) {
        if (vmstate_save_needed(*sub, opaque)) {
            const VMStateDescription *vmsd = *sub;
            uint8_t len;

            qemu_put_byte(f, QEMU_VM_SUBSECTION);
            len = strlen(vmsd->name);
            qemu_put_byte(f, len);
            qemu_put_buffer(f, (uint8_t *)vmsd->name, len);
            qemu_put_be32(f, vmsd->version_id);
            vmstate_save_state(f, vmsd, opaque, vmdesc);
        }
        sub++;
    }
}
