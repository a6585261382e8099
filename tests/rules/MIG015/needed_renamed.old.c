/* Foo (migcheck fixture: MIG015 needed_renamed): `.needed` and `_TEST` functions renamed
 * with the same body (ok); another subsection switches to a different function (expect). */
// fixture-path: hw/misc/foo_ren.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static bool irq_needed(void *opaque)
{
    FooState *s = opaque;

    return s->irq_level != 0;
}

static bool dma_needed(void *opaque)
{
    FooState *s = opaque;

    return s->dma_addr != 0;
}

static bool dma_busy(void *opaque)
{
    FooState *s = opaque;

    return s->dma_busy;
}

static bool has_fifo(void *opaque, int version_id)
{
    FooState *s = opaque;

    return s->fifo_enabled;
}

static const VMStateDescription vmstate_foo_irq = {
    .name = "foo/irq",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = irq_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(irq_level, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo_dma = {
    .name = "foo/dma",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = dma_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(dma_addr, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT8_ARRAY_TEST(fifo, FooState, 16, has_fifo),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_irq,
        &vmstate_foo_dma,
        NULL
    }
};
