/* Foo (migcheck fixture: MIG015 old_style_subsections, like 5cd8cadae8db):
 * `.needed` moves from the parent's old VMStateSubsection entries into the subsection vmsds
 * (ok); foo/dma, always sent before, gets a `.needed` (expect). */
// fixture-path: hw/misc/foo_sub.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static bool foo_irq_needed(void *opaque)
{
    FooState *s = opaque;

    return s->irq_level != 0;
}

static const VMStateDescription vmstate_foo_irq = {
    .name = "foo/irq",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_irq_needed, // ok: MIG015
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(irq_level, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static bool foo_dma_needed(void *opaque)
{
    FooState *s = opaque;

    return s->dma_addr != 0;
}

static const VMStateDescription vmstate_foo_dma = { // expect: MIG015
    .name = "foo/dma",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_dma_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(dma_addr, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription*[]) {
        &vmstate_foo_irq,
        &vmstate_foo_dma,
        NULL
    }
};
