/* Board timer registered by hand (migcheck fixture: MIG020 registration_removed) */
// fixture-path: hw/ppc/spapr_rtc.c
// fixture-rules: MIG020 MIG021 MIG022 MIG023 MIG024 MIG030 MIG031 MIG032 MIG033 MIG034 MIG035 MIG036
#include "qemu/osdep.h"
#include "migration/vmstate.h"

void board_timer_init(BoardTimer *t)
{
    t->ns_offset = 0;
}
