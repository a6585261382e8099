"""#defines, registrations, creations, call sites and function facts."""

from __future__ import annotations

from bot.model.extract import extract_file

DEFINES = rb"""
#ifdef TARGET_X86_64
#define TYPE_X86_CPU "x86_64-cpu"
#else
#define TYPE_X86_CPU "i386-cpu"
#endif
#define X86_CPU_TYPE_SUFFIX "-" TYPE_X86_CPU
#define X86_CPU_TYPE_NAME(name) (name X86_CPU_TYPE_SUFFIX)
#define TYPE_QEMU64 X86_CPU_TYPE_NAME("qemu64")
#define TYPE_ALIAS TYPE_QEMU64
#define TYPE_PAREN ("paren")
#define MACHINE_VER_TYPE_NAME(prefix, ...) \
    prefix /* comment */ "-ver"
#define TYPE_ROM 0x05
#define TYPE_ARM_HOST ARM_CPU_TYPE_NAME("host")
"""


def test_defines_both_arms_function_like_and_helpers() -> None:
    m = extract_file("include/x.h", DEFINES)
    got = [(d.name, d.raw, d.value) for d in m.defines]
    assert got == [
        ("TYPE_X86_CPU", '"x86_64-cpu"', "x86_64-cpu"),
        ("TYPE_X86_CPU", '"i386-cpu"', "i386-cpu"),
        ("X86_CPU_TYPE_SUFFIX", '"-" TYPE_X86_CPU', "-x86_64-cpu"),
        ("X86_CPU_TYPE_NAME(name)", "(name X86_CPU_TYPE_SUFFIX)", None),
        ("TYPE_QEMU64", 'X86_CPU_TYPE_NAME("qemu64")', "qemu64-x86_64-cpu"),
        ("TYPE_ALIAS", "TYPE_QEMU64", "qemu64-x86_64-cpu"),
        ("TYPE_PAREN", '("paren")', "paren"),
        ("MACHINE_VER_TYPE_NAME(prefix,...)", 'prefix "-ver"', None),
        ("TYPE_ROM", "0x05", None),
        ("TYPE_ARM_HOST", 'ARM_CPU_TYPE_NAME("host")', "host-arm-cpu"),
    ]


def test_external_defines_resolve_names() -> None:
    src = b"static const TypeInfo t = { .name = TYPE_PL011, .parent = TYPE_SYS_BUS_DEVICE };"
    m = extract_file("hw/char/x.c", src, {"TYPE_PL011": "pl011"})
    (t,) = m.types
    assert (t.name, t.parent, t.parent_expr) == ("pl011", None, "TYPE_SYS_BUS_DEVICE")


CALLS = rb"""
static void board_init(MachineState *ms)
{
    for (i = 0; i < n; i++) {
        ICPState *icp = &spapr->icps[i];
        object_initialize(icp, sizeof(*icp), type_icp);
        object_property_add_child(OBJECT(spapr), "icp[*]", OBJECT(icp), NULL);
    }
    DeviceState *dev = qdev_new(TYPE_PL011);
    object_property_add_child(OBJECT(ms), "uart", OBJECT(dev));
    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
    qdev_set_legacy_instance_id(dev, 0x3f8, 2);
    switch (kind) {
    case 1:
        vmstate_register_with_alias_id(NULL, idx, &vmstate_k, s, 0, 0, NULL);
        break;
    }
    register_savevm_live("htab", 0, 1, &savevm_htab_handlers, spapr);
    x = cond ? qdev_new("a") : NULL;
    vmstate_unregister(NULL, &vmstate_k, s);
}
"""


def test_registrations_and_creations_context() -> None:
    m = extract_file("hw/ppc/board.c", CALLS)
    regs = {r.call: r for r in m.registrations}
    alias = regs["vmstate_register_with_alias_id"]
    assert (alias.vmsd, alias.instance_id, alias.conditional, alias.condition) == (
        "vmstate_k",
        "idx",
        True,
        "case 1",
    )
    live = regs["register_savevm_live"]
    assert (live.vmsd, live.vmsd_expr, live.instance_id) == (None, '"htab"', "0")
    assert regs["vmstate_unregister"].vmsd == "vmstate_k"
    cr = [(c.call, c.child_name, c.parent_expr, c.in_loop) for c in m.creations]
    assert cr[0] == ("object_initialize", "icp[*]", "OBJECT(spapr)", True)
    assert ("qdev_new", "uart", "OBJECT(ms)", False) in cr
    ternary = [c for c in m.creations if c.call == "qdev_new" and c.type_expr == '"a"']
    assert ternary and ternary[0].conditional and ternary[0].condition == "cond"
    assert ternary[0].type_name == "a"
    calls = [c.call for c in m.calls]
    assert "sysbus_realize_and_unref" in calls and "qdev_set_legacy_instance_id" in calls
    assert m.calls == tuple(sorted(m.calls, key=lambda c: c.line))



LINKS = rb"""
static void soc_realize(DeviceState *d, Error **errp)
{
    SocState *s = SOC(d);
    Object *o = object_new(TYPE_TIMER);
    s->uart = DEVICE(qdev_new(TYPE_PL011));
    DeviceState *lone = qdev_new(TYPE_RTC);
    object_property_add_child(OBJECT(s), "timer", o);
    object_property_add_child(OBJECT(s), "uart[0]", OBJECT(s->uart));
    object_property_add_child(OBJECT(s), "other", OBJECT(elsewhere));
}
static void other_fn(SocState *s)
{
    object_property_add_child(OBJECT(s), "rtc", OBJECT(lone));
}
static void board(MachineState *machine)
{
    DeviceState *dev = qdev_new(TYPE_FW_CFG_MEM);
    FWCfgState *fw_cfg = FW_CFG(dev);  /* an alias of dev */
    qdev_prop_set_uint32(dev, "data_width", 1);
    object_property_add_child(OBJECT(machine), TYPE_FW_CFG, OBJECT(fw_cfg));
    Object *o = OBJECT(qdev_new(TYPE_A));
    o = object_new(TYPE_B);  /* reassigned: the add_child below parents the B */
    object_property_add_child(OBJECT(machine), "b", o);
    DeviceState *x = qdev_new(TYPE_X);
    Object *y = OBJECT(x);
    y = NULL;
    object_property_add_child(OBJECT(machine), "y", y);
}
"""


def test_creation_and_add_child_linked_by_variable() -> None:
    m = extract_file("hw/arm/soc.c", LINKS)
    by = {(c.call, c.type_expr or c.child_name): c for c in m.creations}
    timer, uart = by[("object_new", "TYPE_TIMER")], by[("qdev_new", "TYPE_PL011")]
    assert (timer.child_name, timer.parent_expr, timer.linked_call) == (
        "timer", "OBJECT(s)", "object_property_add_child"
    )
    assert (uart.child_name, uart.linked_call) == ("uart[0]", "object_property_add_child")
    assert by[("object_property_add_child", "timer")].linked_call == "object_new"
    assert by[("object_property_add_child", "uart[0]")].linked_call == "qdev_new"
    # no variable in common, or another function: no link on either side
    lone = by[("qdev_new", "TYPE_RTC")]
    assert (lone.child_name, lone.linked_call) == (None, None)
    assert by[("object_property_add_child", "other")].linked_call is None
    assert by[("object_property_add_child", "rtc")].linked_call is None
    # through an alias `fw_cfg = FW_CFG(dev)`; a reassigned alias no longer names the object
    fw = by[("qdev_new", "TYPE_FW_CFG_MEM")]
    assert (fw.child_name, fw.parent_expr, fw.linked_call) == (
        "TYPE_FW_CFG", "OBJECT(machine)", "object_property_add_child"
    )
    assert by[("object_new", "TYPE_B")].child_name == "b"
    assert by[("qdev_new", "TYPE_A")].linked_call is None
    assert by[("qdev_new", "TYPE_X")].linked_call is None
    assert by[("object_property_add_child", "y")].linked_call is None


HOOKS = rb"""
static bool foo_needed(void *opaque)
{
    FooState *s = opaque;
    return s->x && s->parent_obj.bar;
}
static bool foo_v2(void *opaque, int version_id) { return version_id == 2; }
static int foo_post_load(void *opaque, int version_id)
{
    DeviceState *dev = DEVICE(opaque);
    return ((BarState *)opaque)->y;
}
static int unrelated(void *opaque) { return 0; }
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .needed = foo_needed,
    .post_load = foo_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_TEST(a, FooState, foo_v2),
        VMSTATE_END_OF_LIST()
    }
};
"""


def test_function_infos_for_vmsd_callbacks() -> None:
    m = extract_file("hw/x/foo.c", HOOKS)
    fi = {f.name: f for f in m.function_infos}
    assert set(fi) == {"foo_needed", "foo_post_load", "foo_v2"}
    n = fi["foo_needed"]
    assert n.params == (("void *", "opaque"),)
    assert n.casts == (("opaque", "FooState", 4),)
    assert n.returns == ("s->x && s->parent_obj.bar",)
    assert n.member_reads == ("x", "parent_obj.bar")
    p = fi["foo_post_load"]
    assert [c[:2] for c in p.casts] == [("opaque", "DeviceState"), ("opaque", "BarState")]
    assert p.member_reads == ("y",)
    assert fi["foo_v2"].params[1] == ("int", "version_id")
    assert fi["foo_v2"].returns == ("version_id == 2",)


CLASS_LOOKUP = b"""
static int foo_pre_save(void *opaque)
{
    FooClass *k = FOO_GET_CLASS(opaque);
    FooState *s = opaque;

    return k->prepare(s);
}

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .pre_save = foo_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(a, FooState),
        VMSTATE_END_OF_LIST()
    }
};
"""


def test_class_lookup_of_the_opaque_is_not_a_cast() -> None:
    m = extract_file("hw/x/foo.c", CLASS_LOOKUP)
    (f,) = m.function_infos
    assert f.casts == (("opaque", "FooState", 5),)


GENERATOR = rb"""
#define CAP_STATE(sname, cap)                          \
static bool cap_##sname##_needed(void *opaque)         \
{                                                      \
    return true;                                       \
}                                                      \
const VMStateDescription vmstate_cap_##sname = {       \
    .name = "machine/cap/" #sname,                     \
    .version_id = 1,                                   \
    .needed = cap_##sname##_needed,                    \
    .fields = (const VMStateField[]) {                 \
        VMSTATE_UINT8(caps[cap], MachState),           \
        VMSTATE_END_OF_LIST()                          \
    },                                                 \
}

CAP_STATE(htm, CAP_HTM);
CAP_STATE(vsx, CAP_VSX);
#define SUFFIXED(x) x "-sfx"
#define TYPE_S SUFFIXED("cap")
"""


def test_vmsds_generated_by_a_local_macro() -> None:
    m = extract_file("hw/ppc/caps.c", GENERATOR)
    assert [v.c_name for v in m.vmsds] == ["vmstate_cap_htm", "vmstate_cap_vsx"]
    htm = m.vmsds[0]
    assert htm.name == "machine/cap/htm" and htm.hook("needed") == "cap_htm_needed"
    assert htm.line == 17 and htm.fields[0].name == "caps[CAP_HTM]"
    assert not htm.is_static
    assert any("generated by CAP_STATE()" in n for n in m.notes)
    assert {d.name: d.value for d in m.defines}["TYPE_S"] == "cap-sfx"


PLAIN = rb"""/* A file with nothing migration-relevant: the fast path reads it. */
#include "qemu/osdep.h"
#include <glib.h>
#define REG_A 0x10 /* a comment
                      spanning lines */ + 1
/* #define COMMENTED_OUT 1 */
#define TRAILING 2 // line comment ends the directive
#define MULTI_PARAM(_a, \
                    _b) ((_a) + (_b))
#if 0
#define IN_IF0 "x"
#endif

static int
helper(int a)
{
    return a + REG_A;
}

int other(void) { return MULTI_PARAM(1, 2); }
"""


def test_fast_path_matches_the_full_path() -> None:
    fast = extract_file("target/x/plain.c", PLAIN)
    assert any("fast path" in n for n in fast.notes)
    # one probe word in a comment forces the tree-sitter path on otherwise identical text
    full = extract_file("target/x/plain.c", PLAIN + b"/* vmsd */\n")
    assert not any("fast path" in n for n in full.notes)
    assert fast.defines == full.defines
    assert fast.calls == full.calls
    assert fast.functions == full.functions
    names = [(d.name, d.raw) for d in fast.defines]
    assert names == [
        ("REG_A", "0x10 + 1"),
        ("TRAILING", "2"),
        ("MULTI_PARAM(_a,_b)", "((_a) + (_b))"),
        ("IN_IF0", '"x"'),
    ]
    assert [c.args for c in fast.calls] == [("qemu/osdep.h",), ("glib.h",)]
    assert fast.functions == (("helper", 14, 18), ("other", 20, 20))


def test_directives_inside_comments_and_after_slash_star_strings() -> None:
    src = (
        b'static const char *glob = "/sys/bus/*";\n'
        b"#define AFTER_STRING 1\n"
        b"/*\n"
        b"#define IN_COMMENT 2\n"
        b"*/\n"
        b"#define AFTER_COMMENT 3\n"
    )
    m = extract_file("hw/x/c.c", src)
    assert [(d.name, d.line) for d in m.defines] == [("AFTER_STRING", 2), ("AFTER_COMMENT", 6)]
