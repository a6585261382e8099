/* TCE table (migcheck fixture: MIG018 slot_member_note): post_load now copies in a table
 * loaded into a staging member at the same wire slot as the old one (note, a26fdf393404);
 * the same logic reading a member that no slot feeds (expect). */
// fixture-path: hw/ppc/tce.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static int tce_post_load(void *opaque, int version_id)
{
    TceTable *t = opaque;

    if (t->vdev) {
        tce_set_bypass(t->vdev, t->bypass);
    }
    return 0;
}

static const VMStateDescription vmstate_tce = {
    .name = "tce",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = tce_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(liobn, TceTable),
        VMSTATE_UINT32_EQUAL(nb_table, TceTable),
        VMSTATE_BOOL(bypass, TceTable),
        VMSTATE_VARRAY_UINT32(table, TceTable, nb_table, 0, vmstate_info_uint64, uint64_t),
        VMSTATE_END_OF_LIST()
    },
};

static int tce2_post_load(void *opaque, int version_id)
{
    TceTable *t = opaque;

    if (t->vdev) {
        tce_set_bypass(t->vdev, t->bypass);
    }
    return 0;
}

static const VMStateDescription vmstate_tce2 = {
    .name = "tce2",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = tce2_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(liobn, TceTable),
        VMSTATE_UINT32_EQUAL(nb_table, TceTable),
        VMSTATE_BOOL(bypass, TceTable),
        VMSTATE_VARRAY_UINT32(table, TceTable, nb_table, 0, vmstate_info_uint64, uint64_t),
        VMSTATE_END_OF_LIST()
    },
};
