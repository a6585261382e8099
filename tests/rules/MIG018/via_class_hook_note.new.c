/* Extioi (migcheck fixture: MIG018 via_class_hook_note): the common post_load now reaches
 * the device's load code through a class hook instead of calling it: a note, not a warning. */
// fixture-path: hw/intc/extioi_fx.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int extioi_post_load(void *opaque, int version_id)
{
    ExtioiState *s = opaque;

    extioi_update_irq(s);
    return 0;
}

// note: MIG018
static int extioi_common_post_load(void *opaque, int version_id)
{
    ExtioiCommonState *s = (ExtioiCommonState *)opaque;
    ExtioiCommonClass *k = EXTIOI_COMMON_GET_CLASS(s);

    if (k->post_load) {
        return k->post_load(s, version_id);
    }
    return 0;
}

static const VMStateDescription vmstate_extioi = {
    .name = "extioi",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = extioi_common_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(status, ExtioiState),
        VMSTATE_END_OF_LIST()
    }
};

static void extioi_class_init(ObjectClass *klass, void *data)
{
    ExtioiCommonClass *k = EXTIOI_COMMON_CLASS(klass);

    k->post_load = extioi_post_load;
}
