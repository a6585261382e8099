/* Macro-heavy snippet written for migcheck's tests: glued macro calls, #ifdef inside field
 * lists, casts tree-sitter cannot parse, named field arrays and subsection arrays. */
#define TYPE_BAZ "baz"
#define BAZ_SUBNAME TYPE_BAZ "/extra"
#define BAZ_VERSION 4
#define VMSTATE_BAZ_REG(f, s) VMSTATE_UINT16_V(f, s, 3)
#define BAZ_WRAP(f, s) \
    VMSTATE_UINT8_ARRAY(f, s, 2)

type_init(baz_register_types)
const VMStateDescription vmstate_baz_glued = {
    .name = "baz-glued",
    .version_id = BAZ_VERSION,
    .minimum_version_id = BAZ_VERSION - 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(items, BazState, 4, 0, vmstate_item, Item *),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateField baz_fields[] = {
    VMSTATE_BAZ_REG(r, BazState),
    BAZ_WRAP(q, BazState),
    VMSTATE_CPU(),
    VMSTATE_VIRTIO_DEVICE,
    { .name = "raw", .version_id = 2, .size = sizeof(uint32_t),
      .info = &vmstate_info_uint32, .flags = VMS_SINGLE, .offset = 0 },
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription *const baz_subs[] = {
    &vmstate_baz_extra,
    NULL
};

static const VMStateDescription vmstate_baz_extra = {
    .name = BAZ_SUBNAME,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UNUSED_V(2, 6),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_baz = {
    .name = TYPE_BAZ,
    .version_id = 1,
    .unmigratable = 1,
    .priority = MIG_PRI_IOMMU,
    .fields = baz_fields,
    .subsections = baz_subs,
    .subsections = (const VMStateDescription * const []) { &vmstate_baz_extra, NULL },
};

static void baz_common_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_baz;
}

static void baz_class_init(ObjectClass *klass, const void *data)
{
    baz_common_class_init(klass, data);
}

static const SysemuCPUOps baz_sysemu_ops = {
    .legacy_vmsd = &vmstate_baz_glued,
};

OBJECT_DEFINE_ABSTRACT_TYPE(BazBase, baz_base, BAZ_BASE, DEVICE)
OBJECT_DEFINE_SIMPLE_TYPE(BazObj, baz_obj, BAZ_OBJ, OBJECT)

static const BazInfo baz_table[] = {
    { .name = "baz-a", .rev = 1 },
    { .name = "baz-b", .rev = 2 },
};

static void baz_register_types(void)
{
    TypeInfo type_info = {};
    int i;
    for (i = 0; i < ARRAY_SIZE(baz_table); i++) {
        const BazInfo *info = &baz_table[i];
        type_info.name = info->name;
        type_info.parent = TYPE_BAZ;
        type_info.class_init = baz_class_init;
        type_register_static(&type_info);
    }
}

static VirtioPCIDeviceTypeInfo virtio_baz_pci_info = {
    .generic_name = "virtio-baz-pci",
    .parent = TYPE_VIRTIO_PCI,
    .class_init = virtio_baz_pci_class_init,
};

static void virtio_baz_pci_register(void)
{
    virtio_pci_types_register(&virtio_baz_pci_info);
}

static void machine_init_things(MachineState *ms)
{
    pc_q35_machine_11_0_options(ms);
    compat_props_add(ms->compat_props, hw_compat_10_1, hw_compat_10_1_len);
    if (ms->flag) {
        pci_set_word(ms->dev->config + 4, 0x10);
    }
}
DEFINE_Q35_MACHINE_AS_LATEST(11, 0);

static void pc_q35_machine_10_2_options(MachineClass *m)
{
    static GlobalProperty compat[] = {
        { TYPE_BAZ, "x-feature", "off" },
    };
    compat_props_add(m->compat_props, compat, G_N_ELEMENTS(compat));
}
