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
        VMSTATE_UNUSED(4),
        VMSTATE_UINT32(tick, FooRtcState), // ok: MIG003
        VMSTATE_UINT16(ctrl, FooRtcState), // expect: MIG003
        VMSTATE_UNUSED(2), // expect: MIG001
        VMSTATE_UINT8_ARRAY(nvram, FooRtcState, 8), // ok: MIG003
        VMSTATE_UNUSED(8),
        VMSTATE_UINT32(alarm, FooRtcState),
        VMSTATE_END_OF_LIST()
    },
};
