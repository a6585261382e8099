/* TPM TIS (migcheck fixture: MIG030 array_renamed_ok, like ca75c421731d) */
#include "qemu/osdep.h"
#include "hw/isa/isa.h"
#include "hw/qdev-properties.h"

#define TYPE_TPM_TIS_ISA "tpm-tis"
#define TPM_TIS_IRQ 5

static Property tpm_tis_properties[] = {
    DEFINE_PROP_UINT32("irq", TPMState, irq_num, TPM_TIS_IRQ),
    DEFINE_PROP_BOOL("ppi", TPMState, ppi_enabled, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void tpm_tis_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    device_class_set_props(dc, tpm_tis_properties);
}

static const TypeInfo tpm_tis_info = {
    .name = TYPE_TPM_TIS_ISA,
    .parent = TYPE_ISA_DEVICE,
    .instance_size = sizeof(TPMState),
    .class_init  = tpm_tis_class_init,
};
