/* Two DMA controllers registered by hand (migcheck fixture: MIG020 struct_array_dummy_sized;
 * 340e19ebf210 removed i8257's vmstate_register of "dma", whose regs are a struct array) */
// fixture-path: hw/ppc/spapr_dma.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

#define DMA_CHANNELS 4

static const VMStateDescription vmstate_dma_regs = {
    .name = "dma_regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32_ARRAY(now, DmaRegs, 2),
        VMSTATE_UINT16_ARRAY(base, DmaRegs, 2),
        VMSTATE_UINT8(mode, DmaRegs),
        VMSTATE_UINT8(page, DmaRegs),
        VMSTATE_UINT8(pageh, DmaRegs),
        VMSTATE_UINT8(dack, DmaRegs),
        VMSTATE_UINT8(eop, DmaRegs),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_dma = {
    .name = "dma",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(command, DmaState),
        VMSTATE_INT32(dshift, DmaState),
        VMSTATE_STRUCT_ARRAY(regs, DmaState, DMA_CHANNELS, 1, vmstate_dma_regs,
                             DmaRegs),
        VMSTATE_END_OF_LIST()
    },
};

void board_dma_init(DmaState *d)
{
    d->command = 0;
    vmstate_register(NULL, 0, &vmstate_dma, d); // expect-old: MIG020
}
