// fixture-tree: compat
/* Foo RTC (migcheck fixture: MIG003 narrowed_with_unused): fields narrow and a
 * VMSTATE_UNUSED pads them back to the old wire size. Integers are big-endian on the wire,
 * so the placeholder must take the dropped high bytes, before the field (ok); after it the
 * field reads the old high bytes (expect). */
// fixture-path: hw/rtc/foo_rtc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_foo_rtc = {
    .name = "foo-rtc",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(tick, FooRtcState),
        VMSTATE_UINT32(ctrl, FooRtcState),
        VMSTATE_UINT8_ARRAY(nvram, FooRtcState, 16),
        VMSTATE_UINT32(alarm, FooRtcState),
        VMSTATE_END_OF_LIST()
    },
};
