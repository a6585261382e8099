/* fdc, the 2010 registration form without a device argument (migcheck fixture: MIG023 old_form_id_changed) */
// fixture-path: hw/fdc.c
#include "hw.h"

static const VMStateDescription vmstate_fdc = {
    .name = "fdc",
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_UINT8(sra, FDCtrl),
        VMSTATE_END_OF_LIST()
    }
};

static void fdctrl_init_common(FDCtrl *fdctrl, int io_base)
{
    vmstate_register(-1, &vmstate_fdc, fdctrl); // expect: MIG023
}
