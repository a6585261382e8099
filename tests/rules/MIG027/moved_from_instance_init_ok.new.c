/* External BMC (migcheck fixture: MIG027 moved_from_instance_init_ok): a registration
 * that instance_init made, never undone, moves into realize (quiet, 6436db5a609c); the
 * same device gaining a second registration on its realize path (expect). */
// fixture-path: hw/ipmi/ipmi_bmc_extern.c
#include "qemu/osdep.h"
#include "migration/vmstate.h"

static const VMStateDescription vmstate_bmc_extern = {
    .name = "ipmi-bmc-extern",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(send_reset, IPMIBmcExtern),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_bmc_extern_queue = {
    .name = "ipmi-bmc-extern-queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(waiting_rsp, IPMIBmcExtern),
        VMSTATE_END_OF_LIST()
    },
};

static void bmc_extern_realize(DeviceState *dev, Error **errp)
{
    IPMIBmcExtern *ibe = IPMI_BMC_EXTERN(dev);

    qemu_chr_fe_set_handlers(&ibe->chr, can_receive, receive, NULL, NULL, ibe, NULL, true);
    vmstate_register(NULL, 0, &vmstate_bmc_extern, ibe); // ok: MIG027
    // expect: MIG024, MIG027
    vmstate_register(NULL, 0, &vmstate_bmc_extern_queue, ibe);
}

static void bmc_extern_init(Object *obj)
{
    IPMIBmcExtern *ibe = IPMI_BMC_EXTERN(obj);

    ibe->extern_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, extern_timeout, ibe);
}

static void bmc_extern_finalize(Object *obj)
{
    IPMIBmcExtern *ibe = IPMI_BMC_EXTERN(obj);

    timer_free(ibe->extern_timer);
}

static void bmc_extern_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->realize = bmc_extern_realize;
}

static const TypeInfo bmc_extern_type = {
    .name = TYPE_IPMI_BMC_EXTERN,
    .parent = TYPE_IPMI_BMC,
    .instance_size = sizeof(IPMIBmcExtern),
    .instance_init = bmc_extern_init,
    .instance_finalize = bmc_extern_finalize,
    .class_init = bmc_extern_class_init,
};
