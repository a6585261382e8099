// fixture-tree: compat
/* Foo RTC (migcheck fixture: MIG003 narrowed_with_unused): fields narrow and a
 * VMSTATE_UNUSED pads them back to the old wire size. Integers are big-endian on the wire,
 * so the placeholder must take the dropped high bytes, before the field (ok); after it the
 * field reads the old high bytes (expect). */
// fixture-path: hw/rtc/foo_rtc.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "hw/isa/isa.h"
#include "hw/qdev-properties.h"

#define TYPE_ISA_DEVICE "isa-device" /* include/hw/isa/isa.h */
#define TYPE_FOO_RTC "foo-rtc"
OBJECT_DECLARE_SIMPLE_TYPE(FooRtcState, FOO_RTC)

struct FooRtcState {
    ISADevice parent_obj;

    uint32_t tick;
    uint16_t ctrl;
    uint8_t nvram[8];
    uint32_t alarm;
};

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

static const Property foo_rtc_properties[] = {
    DEFINE_PROP_UINT32("alarm", FooRtcState, alarm, 0),
};

static void foo_rtc_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo_rtc;
    device_class_set_props(dc, foo_rtc_properties);
}

static const TypeInfo foo_rtc_info = {
    .name          = TYPE_FOO_RTC,
    .parent        = TYPE_ISA_DEVICE,
    .instance_size = sizeof(FooRtcState),
    .class_init    = foo_rtc_class_init,
};
