/* A small device written for migcheck's model tests (not QEMU code). */
#include "qemu/osdep.h"
#define TYPE_FOO "foo"
#define TYPE_FOO_SUB TYPE_FOO "-sub"
#define FOO_NREGS 4
#define MY_MACHINE MACHINE_TYPE_NAME("mine")

static bool foo_sub_needed(void *opaque) { return true; }

static const VMStateDescription vmstate_foo_sub = {
    .name = TYPE_FOO "/sub",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_sub_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(x, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo = {
    .name = TYPE_FOO,
    .version_id = 3,
    .minimum_version_id = 2,
    .post_load = foo_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, FooState),
        VMSTATE_UINT32_V(a, FooState, 2),
        VMSTATE_UINT32_ARRAY(regs, FooState, FOO_NREGS),
        VMSTATE_STRUCT_ARRAY(b, FooState, 2, 0, vmstate_bar, Bar *),
#ifdef TARGET_X86_64
        VMSTATE_BOOL_TEST(flag, FooState, foo_test),
#endif
        VMSTATE_UNUSED(4),
        VMSTATE_WITH_TMP(FooState, FooTmp, vmstate_foo_tmp),
        VMSTATE_PTIMER(ptimer, FooState),
        VMSTATE_TIMER_PTR(timer, FooState),
        VMSTATE_BUFFER(buf, FooState),
        VMSTATE_VALIDATE("check", foo_valid),
        VMSTATE_FOO_UNKNOWN(zz, FooState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_sub,
        NULL
    }
};

static const Property foo_props[] = {
    DEFINE_PROP_BOOL("x-flag", FooState, flag, true),
    DEFINE_PROP_BIT64("feat", FooState, feats, 3, false),
    DEFINE_PROP_UINT32("n", FooState, n, 4),
};

static void foo_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    dc->vmsd = &vmstate_foo;
    device_class_set_props(dc, foo_props);
}

static const TypeInfo foo_info = {
    .name = TYPE_FOO,
    .parent = TYPE_PCI_DEVICE,
    .class_init = foo_class_init,
    .instance_size = sizeof(FooState),
    .interfaces = (const InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static const TypeInfo foo_types[] = {
    { .name = TYPE_FOO_SUB, .parent = TYPE_FOO },
    { .name = MY_MACHINE, .parent = TYPE_MACHINE, .abstract = true },
};
DEFINE_TYPES(foo_types)

GlobalProperty hw_compat_10_1[] = {
    { TYPE_FOO, "x-flag", "off" },
    { "virtio-net", "foo", "on", .optional = true },
};

static void foo_realize(DeviceState *dev, Error **errp)
{
    int i;
    for (i = 0; i < 2; i++) {
        object_initialize_child(OBJECT(dev), "uart[*]", &s->uart[i], TYPE_FOO_SUB);
    }
    if (s->flag) {
        vmstate_register(NULL, 0, &vmstate_foo, s);
    } else {
        vmstate_register_any(NULL, &vmstate_foo_sub, s);
    }
    pci_set_word(dev->config + 2, 0x1234);
    msix_init_exclusive_bar(dev, 4, 1, errp);
}
OBJECT_DEFINE_TYPE_WITH_INTERFACES(FooObj, foo_obj, FOO_OBJ, OBJECT, { TYPE_USER_CREATABLE }, { })
static const X86CPUDefinition builtin_defs[] = {
    { .name = "qemu64", .level = 0xd, },
};
