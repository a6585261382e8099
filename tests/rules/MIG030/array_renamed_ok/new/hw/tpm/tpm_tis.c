/* TPM TIS (migcheck fixture: MIG030 array_renamed_ok, like ca75c421731d) */
#include "qemu/osdep.h"
#include "hw/isa/isa.h"
#include "hw/qdev-properties.h"

#define TYPE_TPM_TIS_ISA "tpm-tis"
#define TPM_TIS_IRQ 5

static Property tpm_tis_isa_properties[] = {
    DEFINE_PROP_UINT32("irq", TPMStateISA, state.irq_num, TPM_TIS_IRQ), // ok: MIG030
    DEFINE_PROP_BOOL("ppi", TPMStateISA, state.ppi_enabled, true), // ok: MIG030
    DEFINE_PROP_END_OF_LIST(),
};

static void tpm_tis_isa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, tpm_tis_isa_properties);
}

static const TypeInfo tpm_tis_isa_info = {
    .name = TYPE_TPM_TIS_ISA,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(TPMStateISA),
    .class_init  = tpm_tis_isa_class_init,
};
