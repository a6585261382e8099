/* PC speaker (migcheck fixture: MIG030 needed_on_always_sent_ok, like 04e27c6bb034) */
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
} PCSpkState;

static const VMStateDescription vmstate_spk = {
    .name = "pcspk",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(data_on, PCSpkState),
        VMSTATE_UINT8(dummy_refresh_clock, PCSpkState),
        VMSTATE_END_OF_LIST()
    }
};

static Property pcspk_properties[] = {
    DEFINE_PROP_UINT32("iobase", PCSpkState, iobase, -1),
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
