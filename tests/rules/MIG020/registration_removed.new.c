/* Board timer registered by hand (migcheck fixture: MIG020 registration_removed) */
// fixture-path: hw/ppc/spapr_rtc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

void board_timer_init(BoardTimer *t)
{
    t->ns_offset = 0;
}
