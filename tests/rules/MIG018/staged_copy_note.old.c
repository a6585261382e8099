/* NIC (migcheck fixture: MIG018 staged_copy_note): the slots of a struct now load into a
 * staging copy that pre_save fills from the member it replaced and post_load copies back
 * (notes, 59354484787f); a pre_save that fills the copy from elsewhere (expect). */
// fixture-path: hw/net/nic.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct TxProps {
    uint8_t ipcss;
    uint16_t mss;
} TxProps;

typedef struct NicState {
    struct {
        TxProps props;
        TxProps tso_props;
        uint16_t size;
    } tx;
    uint32_t flags;
} NicState;

static int nic_pre_save(void *opaque)
{
    NicState *s = opaque;

    s->flags |= 1;
    return 0;
}

static int nic_post_load(void *opaque, int version_id)
{
    NicState *s = opaque;

    s->tx.tso_props = s->tx.props;
    return 0;
}

static const VMStateDescription vmstate_nic = {
    .name = "nic",
    .version_id = 2,
    .minimum_version_id = 2,
    .pre_save = nic_pre_save,
    .post_load = nic_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(tx.props.ipcss, NicState),
        VMSTATE_UINT16(tx.props.mss, NicState),
        VMSTATE_UINT16(tx.size, NicState),
        VMSTATE_END_OF_LIST()
    },
};

static int nic2_pre_save(void *opaque)
{
    NicState *s = opaque;

    s->flags |= 1;
    return 0;
}

static const VMStateDescription vmstate_nic2 = {
    .name = "nic2",
    .version_id = 2,
    .minimum_version_id = 2,
    .pre_save = nic2_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(tx.props.ipcss, NicState),
        VMSTATE_UINT16(tx.props.mss, NicState),
        VMSTATE_UINT16(tx.size, NicState),
        VMSTATE_END_OF_LIST()
    },
};
