/*
 * Intel 8254x NIC (migcheck fixture: MIG004 loop_registered_subtypes, minimised from QEMU
 * d62644b46a86 hw/net/e1000.c): the concrete types are registered in a loop over
 * e1000_devices[], so no TypeInfo names them; the state's own type is the abstract
 * e1000-base, whose instances are E1000State
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_PCI_DEVICE "pci-device" /* include/hw/pci/pci.h */
#define TYPE_E1000_BASE "e1000-base"

typedef struct e1000x_txd_props {
    uint8_t ipcss;
    uint16_t mss;
} e1000x_txd_props;

typedef struct E1000State_st {
    PCIDevice parent_obj;

    uint32_t mac_reg[0x8000];
    struct e1000_tx {
        e1000x_txd_props props;
        e1000x_txd_props tso_props;
    } tx;
    uint32_t compat_flags;
} E1000State;

typedef struct E1000Info {
    const char *name;
    uint16_t device_id;
} E1000Info;

static const VMStateDescription vmstate_e1000 = {
    .name = "e1000",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, E1000State),
        VMSTATE_UINT8(tx.props.ipcss, E1000State),
        VMSTATE_UINT16(tx.props.mss, E1000State),
        VMSTATE_END_OF_LIST()
    }
};

static Property e1000_properties[] = {
    DEFINE_PROP_BIT("mitigation", E1000State,
                    compat_flags, E1000_FLAG_MIT_BIT, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void e1000_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_e1000;
    dc->props = e1000_properties;
}

static const TypeInfo e1000_base_info = {
    .name          = TYPE_E1000_BASE,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(E1000State),
    .abstract      = true,
};

static const E1000Info e1000_devices[] = {
    {
        .name      = "e1000",
        .device_id = E1000_DEV_ID_82540EM,
    },
};

static void e1000_register_types(void)
{
    int i;

    type_register_static(&e1000_base_info);
    for (i = 0; i < ARRAY_SIZE(e1000_devices); i++) {
        const E1000Info *info = &e1000_devices[i];
        TypeInfo type_info = {};

        type_info.name = info->name;
        type_info.parent = TYPE_E1000_BASE;
        type_info.class_data = (void *)info;
        type_info.class_init = e1000_class_init;

        type_register(&type_info);
    }
}

type_init(e1000_register_types)
