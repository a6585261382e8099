/* A device with hand-written migration (migcheck fixture: MIG073) */
#include "foo.h"

static void foo_save(QEMUFile *f, void *opaque)
{
    FooState *s = opaque;

    qemu_put_be32(f, s->ctrl);
    qemu_put_be32(f, s->status);
    qemu_put_be32(f, s->count);
}

static int foo_load(QEMUFile *f, void *opaque, int version_id)
{
    FooState *s = opaque;

    s->ctrl = qemu_get_be32(f);
    s->status = qemu_get_be32(f);
    s->count = qemu_get_be32(f);
    return 0;
}

static void foo_tick(FooState *s)
{
    s->count++;
    s->latch = s->count;
}
