/* Two DMA controllers registered by hand (migcheck fixture: MIG020 struct_array_dummy_sized;
 * 340e19ebf210 removed i8257's vmstate_register of "dma", whose regs are a struct array) */
// fixture-path: hw/ppc/spapr_dma.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

void board_dma_init(DmaState *d)
{
    d->command = 0;
}
