/* Board timer registered by hand (migcheck fixture: MIG020 registration_moved_ok) */
// fixture-path: hw/ppc/spapr_rtc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_board_timer = {
    .name = "board-timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(ns_offset, BoardTimer),
        VMSTATE_END_OF_LIST()
    },
};

static void board_timer_setup(BoardTimer *t)
{
    t->ns_offset = 0;
    vmstate_register(NULL, 0, &vmstate_board_timer, t); // ok: MIG020, MIG024
}

void board_timer_init(BoardTimer *t)
{
    board_timer_setup(t);
}
