/* Foo extra state (migcheck fixture: MIG009 extern_subsection_elsewhere): the non-static
 * subsection foo.c lists is renamed without the 'foo/' prefix. */
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static bool foo_extra_needed(void *opaque)
{
    FooState *s = opaque;
    return s->extra != 0;
}

// expect: MIG009, MIG005
const VMStateDescription vmstate_foo_extra = {
    .name = "foo-extra",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_extra_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(extra, FooState),
        VMSTATE_END_OF_LIST()
    }
};
