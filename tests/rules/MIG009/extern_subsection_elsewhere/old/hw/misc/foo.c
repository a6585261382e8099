/* Foo (migcheck fixture: MIG009 extern_subsection_elsewhere): lists a non-static subsection
 * that another file defines; unchanged by the patch. */
#include "qemu/osdep.h"
#include "migration/vmstate.h"

extern const VMStateDescription vmstate_foo_extra;

const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_extra,
        NULL
    }
};
