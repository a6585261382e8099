/* SSI SD card (migcheck fixture: MIG027 negative: an SSI slave cannot be hot-unplugged,
 * so a realize with no unrealize leaves nothing dangling; from hw/sd/ssi-sd.c) */
// fixture-path: hw/sd/ssi-sd.c
#include "hw/ssi/ssi.h"

static void ssi_sd_realize(SSISlave *d, Error **errp)
{
    ssi_sd_state *s = FROM_SSI_SLAVE(ssi_sd_state, d);

    s->mode = SSI_SD_CMD;
    register_savevm(DEVICE(d), "ssi_sd", -1, 1, ssi_sd_save, ssi_sd_load, s);
}

static void ssi_sd_class_init(ObjectClass *klass, void *data)
{
    SSISlaveClass *k = SSI_SLAVE_CLASS(klass);

    k->realize = ssi_sd_realize;
    k->transfer = ssi_sd_transfer;
}

static const TypeInfo ssi_sd_info = {
    .name          = "ssi-sd",
    .parent        = TYPE_SSI_SLAVE,
    .instance_size = sizeof(ssi_sd_state),
    .class_init    = ssi_sd_class_init,
};

static void ssi_sd_register_types(void)
{
    type_register_static(&ssi_sd_info);
}

type_init(ssi_sd_register_types)
