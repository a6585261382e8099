/* PPC CPU vmstate (migcheck fixture: MIG068 reservation_ok, minimised from 392d328abe: the
   larx/stcx reservation is migrated by address only; its value and size are left out) */
#include "qemu/osdep.h"
#include "cpu.h"
#include "migration/cpu.h"

static bool reservation_needed(void *opaque)
{
    return true;
}

static const VMStateDescription vmstate_reservation = {
    .name = "cpu/reservation",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = reservation_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINTTL(env.reserve_addr, PowerPCCPU),
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_ppc_cpu = {
    .name = "cpu",
    .version_id = 5,
    .minimum_version_id = 5,
    .fields = (const VMStateField[]) {
        VMSTATE_UINTTL_ARRAY(env.gpr, PowerPCCPU, 32),
        VMSTATE_UINTTL(env.lr, PowerPCCPU),
        VMSTATE_UINTTL(env.ctr, PowerPCCPU),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_reservation,
        NULL
    }
};
