/* PC speaker (migcheck fixture: MIG030 needed_off_always_sent, like 04e27c6bb034) */
#include "qemu/osdep.h"
#include "hw/isa/isa.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_PC_SPEAKER "isa-pcspk"

typedef struct {
    ISADevice parent_obj;
    uint32_t iobase;
    uint8_t data_on;
    uint8_t dummy_refresh_clock;
    uint8_t migrate_level;
} PCSpkState;

static bool migrate_needed(void *opaque)
{
    PCSpkState *s = opaque;

    return s->migrate_level > 2;
}

static const VMStateDescription vmstate_spk = { // note: MIG015
    .name = "pcspk",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = migrate_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(data_on, PCSpkState),
        VMSTATE_UINT8(dummy_refresh_clock, PCSpkState),
        VMSTATE_END_OF_LIST()
    }
};

static Property pcspk_properties[] = {
    DEFINE_PROP_UINT32("iobase", PCSpkState, iobase, -1),
    DEFINE_PROP_UINT8("x-migrate-level", PCSpkState, migrate_level, 2), // expect: MIG030
    DEFINE_PROP_END_OF_LIST(),
};

static void pcspk_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_spk;
    device_class_set_props(dc, pcspk_properties);
}

static const TypeInfo pcspk_info = {
    .name = TYPE_PC_SPEAKER,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(PCSpkState),
    .class_init = pcspk_class_init,
};
