/*
 * Foo flic (migcheck fixture: MIG015 needed_widened_section, the flic vmsd being a section as in s390_flic c1991c098424)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#define TYPE_FOO_FLIC "foo-flic"
OBJECT_DECLARE_SIMPLE_TYPE(FooFlicState, FOO_FLIC)

struct FooFlicState {
    SysBusDevice parent_obj;

    uint8_t simm;
    uint8_t nimm;
    uint32_t pending;
    bool ais_supported;
    bool migrate_all_state;
};

static bool foo_ais_needed(void *opaque)
{
    FooFlicState *s = opaque;

    return s->ais_supported;
}

static const VMStateDescription vmstate_foo_flic = {
    .name = "foo-flic",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_ais_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(simm, FooFlicState),
        VMSTATE_UINT8(nimm, FooFlicState),
        VMSTATE_END_OF_LIST()
    }
};

static const Property foo_flic_properties[] = {
    DEFINE_PROP_BOOL("migrate-all-state", FooFlicState, migrate_all_state, true),
};

static void foo_flic_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->vmsd = &vmstate_foo_flic;
    device_class_set_props(dc, foo_flic_properties);
}

static const TypeInfo foo_flic_info = {
    .name          = TYPE_FOO_FLIC,
    .parent        = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(FooFlicState),
    .class_init    = foo_flic_class_init,
};

static void foo_flic_register_types(void)
{
    type_register_static(&foo_flic_info);
}

type_init(foo_flic_register_types)
