"""Older QEMU code styles the extractor reads: compat lists as macros, `dc->props = arr`."""

from __future__ import annotations

from bot.model.extract import extract_file

COMPAT_H = b"""#ifndef HW_COMPAT_H
#define HW_COMPAT_H

#define HW_COMPAT_2_11 \\
    /* empty */

#define HW_COMPAT_2_10 \\
    {\\
        .driver   = "virtio-mouse-device",\\
        .property = "wheel-axis",\\
        .value    = "false",\\
    },{ /* a comment */ \\
        .driver   = TYPE_X86_CPU,\\
        .property = "x-hv-max-vps",\\
        .value    = "0x40",\\
    },

#define PC_COMPAT_2_10 \\
    HW_COMPAT_2_10 \\
    {\\
        .driver   = "pc-machine",\\
        .property = "x-smm",\\
        .value    = "off",\\
    },
#endif
"""


def test_compat_macros_are_compat_arrays_with_their_own_lines() -> None:
    m = extract_file("include/hw/compat.h", COMPAT_H)
    arrays = {a.name: a for a in m.compat_arrays}
    assert sorted(arrays) == ["hw_compat_2_10", "hw_compat_2_11", "pc_compat_2_10"]
    assert arrays["hw_compat_2_11"].entries == () and arrays["hw_compat_2_11"].version == (2, 11)
    mouse, cpu = arrays["hw_compat_2_10"].entries
    assert (mouse.driver, mouse.property, mouse.value, mouse.line) == (
        "virtio-mouse-device",
        "wheel-axis",
        "false",
        8,
    )
    assert (cpu.driver_expr, cpu.property, cpu.line) == ("TYPE_X86_CPU", "x-hv-max-vps", 12)
    (pc,) = arrays["pc_compat_2_10"].entries  # the HW_COMPAT_2_10 it names is its own array
    assert (pc.driver, pc.property, pc.value) == ("pc-machine", "x-smm", "off")


def test_function_like_or_unversioned_macros_are_not_compat_arrays() -> None:
    src = b'#define HW_COMPAT_H\n#define FOO_COMPAT_2_1(x) { x }\n#define PC_COMPAT "a"\n'
    assert extract_file("include/hw/compat.h", src).compat_arrays == ()


DEVICE = b"""#include "hw/qdev-properties.h"
static const VMStateDescription vmstate_foo = { .name = "foo", .fields = (VMStateField[]) {
    VMSTATE_UINT32(a, FooState), VMSTATE_END_OF_LIST() } };
static Property foo_properties[] = {
    DEFINE_PROP_BOOL("x-flag", FooState, flag, true),
    DEFINE_PROP_END_OF_LIST(),
};
static void foo_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo;
    dc->props = foo_properties;
}
static void bar_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->props_ = foo_properties;
}
"""


def test_props_assignment_binds_the_array_like_device_class_set_props() -> None:
    m = extract_file("hw/misc/foo.c", DEVICE)
    got = {(c.function, c.vmsd, c.props) for c in m.class_inits}
    assert got == {
        ("foo_class_init", "vmstate_foo", ("foo_properties",)),
        ("bar_class_init", None, ("foo_properties",)),
    }


OLD_SUBSECTIONS = b"""static const VMStateDescription vmstate_foo_irq = {
    .name = "foo/irq",
    .fields = (VMStateField[]) { VMSTATE_UINT32(irq, FooState), VMSTATE_END_OF_LIST() }
};
static const VMStateDescription vmstate_foo_dma = {
    .name = "foo/dma",
    .needed = own_needed,
    .fields = (VMStateField[]) { VMSTATE_UINT32(dma, FooState), VMSTATE_END_OF_LIST() }
};
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .fields = (VMStateField[]) { VMSTATE_UINT32(a, FooState), VMSTATE_END_OF_LIST() },
    .subsections = (VMStateSubsection[]) {
        {
            .vmsd = &vmstate_foo_irq,
            .needed = foo_irq_needed,
        }, {
            .vmsd = &vmstate_foo_dma,
            .needed = entry_needed,
        }, {
            /* empty */
        }
    }
};
"""


def test_old_style_subsection_entries_give_subsections_and_their_needed() -> None:
    m = extract_file("hw/misc/foo.c", OLD_SUBSECTIONS)
    v = {x.c_name: x for x in m.vmsds}
    assert v["vmstate_foo"].subsections == ("vmstate_foo_irq", "vmstate_foo_dma")
    assert v["vmstate_foo_irq"].hook("needed") == "foo_irq_needed"
    assert v["vmstate_foo_dma"].hook("needed") == "own_needed"  # its own wins


def test_empty_last_macro_argument_does_not_swallow_the_next_functions() -> None:
    # 2015 pc_piix.c: `/* no compat */)` leaves the last argument empty, which is no C;
    # tree-sitter used to take everything up to the next `;` as part of the argument list
    src = b"""static void pc_2_4_machine_options(QEMUMachine *m)
{
    pc_base_machine_options(m);
}

DEFINE_PC_MACHINE(v2_4, "pc-2.4", pc_init_pci,
                  pc_2_4_machine_options, /* no compat */)

static void pc_2_3_machine_options(QEMUMachine *m)
{
    pc_2_4_machine_options(m);
}

DEFINE_PC_MACHINE(v2_3, "pc-2.3", pc_init_pci, pc_2_3_machine_options, PC_COMPAT_2_3);
"""
    m = extract_file("hw/i386/pc_piix.c", src)
    assert [f for f, _, _ in m.functions] == ["pc_2_4_machine_options", "pc_2_3_machine_options"]
    hook_calls = {(c.function, c.call) for c in m.calls if c.function}
    assert ("pc_2_3_machine_options", "pc_2_4_machine_options") in hook_calls
    assert ("pc_2_4_machine_options", "pc_base_machine_options") in hook_calls
    defines = [c for c in m.calls if c.call == "DEFINE_PC_MACHINE"]
    assert [c.args[1] for c in defines] == ['"pc-2.4"', '"pc-2.3"']


def test_comment_after_the_brace_of_an_initializer_array() -> None:
    src = b"""static const X86CPUDefinition builtin_x86_defs[] = { /* oldest first */
    {
        .name = "qemu64",
        .level = 0xd,
    },
};
"""
    m = extract_file("target/i386/cpu.c", src)
    assert [a.name for a in m.arrays] == ["builtin_x86_defs"]


OLD_REGISTRATIONS = b"""static void fdc_init(FDCtrl *s, int base)
{
    vmstate_register(base, &vmstate_fdc, s);
    vmstate_register_with_alias_id(-1, &vmstate_fdc_isa, s, base, 2);
    register_savevm("fdc", base, 1, fdc_save, fdc_load, s);
    register_savevm_live(NULL, "ram", 0, 4, NULL, ram_save_live, NULL, ram_load, NULL);
}

static void fdc_exit(FDCtrl *s)
{
    vmstate_unregister(&vmstate_fdc, s);
    unregister_savevm("fdc", s);
}

static void fdc_realize(DeviceState *dev, FDCtrl *s)
{
    vmstate_register(dev, 1, &vmstate_fdc_new, s);
    register_savevm(dev, "fdc-new", -1, 1, fdc_save, fdc_load, s);
    register_savevm_live("block", 0, 1, &savevm_block_handlers, s);
}
"""


def test_registration_forms_before_the_device_argument_are_read_by_argument_count() -> None:
    m = extract_file("hw/block/fdc.c", OLD_REGISTRATIONS)
    got = [(r.call, r.vmsd, r.vmsd_expr, r.instance_id) for r in m.registrations]
    assert got == [
        ("vmstate_register", "vmstate_fdc", "&vmstate_fdc", "base"),
        ("vmstate_register_with_alias_id", "vmstate_fdc_isa", "&vmstate_fdc_isa", "-1"),
        ("register_savevm", None, '"fdc"', "base"),
        ("register_savevm_live", None, '"ram"', "0"),
        ("vmstate_unregister", "vmstate_fdc", "&vmstate_fdc", None),
        ("unregister_savevm", None, '"fdc"', None),
        ("vmstate_register", "vmstate_fdc_new", "&vmstate_fdc_new", "1"),
        ("register_savevm", None, '"fdc-new"', "-1"),
        ("register_savevm_live", None, '"block"', "0"),
    ]


QDEV_INFOS = b"""
static const VMStateDescription vmstate_ehci = {
    .name = "ehci",
    .version_id = 1,
    .fields = (VMStateField []) {
        VMSTATE_UINT32(usbcmd, EHCIState),
        VMSTATE_END_OF_LIST()
    }
};

static PCIDeviceInfo ehci_info[] = {
    {
        .qdev.name    = "usb-ehci",
        .qdev.size    = sizeof(EHCIState),
        .qdev.vmsd    = &vmstate_ehci,
        .init         = usb_ehci_initfn,
    },{
        .qdev.name    = "ich9-usb-ehci1",
        /* no state of its own */
        .init         = usb_ehci_initfn,
    },{
        .qdev.name    = "ich9-usb-ehci2",
        .qdev.vmsd    = &vmstate_ehci,
    },
};

static SysBusDeviceInfo cfg_info = {
    .init = cfg_init1,
    .qdev.name = "cfg",
    .qdev.vmsd = &vmstate_ehci,
};

static DeviceInfo plain_info = {
    .name = "plain",
    .vmsd = &vmstate_ehci,
};

static TypeInfo later_info = {
    .name = "later",
    .parent = TYPE_DEVICE,
};
"""


def test_qdev_info_structs_bind_their_vmsd_like_a_class_init() -> None:
    m = extract_file("hw/usb-ehci.c", QDEV_INFOS)
    got = [(c.function, c.vmsd, c.vmsd_member, c.line) for c in m.class_inits]
    assert got == [
        ("ehci_info[0]", "vmstate_ehci", "qdev.vmsd", 15),
        ("ehci_info[2]", "vmstate_ehci", "qdev.vmsd", 23),
        ("cfg_info", "vmstate_ehci", "qdev.vmsd", 30),
        ("plain_info", "vmstate_ehci", "vmsd", 35),
    ]
