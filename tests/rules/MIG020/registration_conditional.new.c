/* Board timer registered by hand (migcheck fixture: MIG020 registration_conditional) */
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

void board_timer_init(BoardTimer *t)
{
    t->ns_offset = 0;
    if (t->has_rtc) {
        vmstate_register(NULL, 0, &vmstate_board_timer, t); // expect: MIG020
    }
}
