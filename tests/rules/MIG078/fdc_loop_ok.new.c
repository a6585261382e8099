/* Floppy (migcheck fixture: MIG078 fdc_loop_ok): a new subsection of an array-element vmsd
 * whose .needed dereferences the drive's back pointer, which a loop at realize sets in every
 * slot (minimised from hw/block/fdc.c, check_media_rate). */
// fixture-path: hw/block/fdc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

typedef struct FDCtrl FDCtrl;

typedef struct FDrive {
    FDCtrl *fdctrl;
    uint8_t head;
    uint8_t media_rate;
} FDrive;

struct FDCtrl {
    uint8_t check_media_rate;
    FDrive drives[2];
};

static void fdctrl_connect_drives(FDCtrl *fdctrl)
{
    unsigned int i;
    FDrive *drive;

    for (i = 0; i < 2; i++) {
        drive = &fdctrl->drives[i];
        drive->fdctrl = fdctrl;
    }
}

// ok: MIG078
static bool fdrive_media_rate_needed(void *opaque)
{
    FDrive *drive = opaque;

    return drive->fdctrl->check_media_rate;
}

static const VMStateDescription vmstate_fdrive_media_rate = {
    .name = "fdrive/media_rate",
    .version_id = 1,
    .needed = fdrive_media_rate_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT8(media_rate, FDrive),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_fdrive = {
    .name = "fdrive",
    .version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT8(head, FDrive),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * []) {
        &vmstate_fdrive_media_rate,
        NULL
    }
};

static const VMStateDescription vmstate_fdc = {
    .name = "fdc",
    .version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(drives, FDCtrl, 2, 1, vmstate_fdrive, FDrive),
        VMSTATE_END_OF_LIST()
    },
};
