"""analyze() on real C through the real extractor: line shifts are silent, edits are seen."""

from __future__ import annotations

from collections.abc import Iterator

from bot.analyze import analyze, fold_patches
from bot.diff.changes import EntityChange
from bot.diff.filediff import diff_models
from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.comments import comment_nodes, comments
from bot.model.extract import extract_file
from bot.series import FileChange, Patch, Series

PATH = "hw/misc/foo.c"

SRC = b"""\
#include "qemu/osdep.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"

#define TYPE_FOO "foo"

static bool foo_sub_needed(void *opaque)
{
    FooState *s = opaque;
    return s->extra != 0;
}

static const VMStateDescription vmstate_foo_sub = {
    .name = "foo/sub",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = foo_sub_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(extra, FooState),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_BOOL(mode, FooState),
        VMSTATE_UINT32_ARRAY(regs, FooState, 8),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_sub,
        NULL
    },
};

static const Property foo_props[] = {
    DEFINE_PROP_BOOL("mode", FooState, mode, true),
    DEFINE_PROP_UINT32("regs", FooState, nregs, 8),
};

static void foo_realize(DeviceState *dev, Error **errp)
{
    vmstate_register(NULL, 0, &vmstate_foo_sub, dev);
}

static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo;
    dc->realize = foo_realize;
    device_class_set_props(dc, foo_props);
}

static const TypeInfo foo_info = {
    .name = TYPE_FOO,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(FooState),
    .class_init = foo_class_init,
};

static void foo_register_types(void)
{
    type_register_static(&foo_info);
}

type_init(foo_register_types)
"""


def every_change(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Test rule: one hit per entity change, whatever it is."""
    yield Hit(f"{change.kind} {change.op}", change.line, change.side, f"{change.kind}:{change.key}")


ANY = Rule(
    RuleSpec(
        "MIG990",
        "toy-any-change",
        Severity.WARNING,
        Category.OTHER,
        "low",
        "patch",
        "something changed",
        "look",
    ),
    every_change,
    "doc",
)


def one_patch(old: bytes | None, new: bytes | None) -> Series:
    fc = FileChange(PATH if old is not None else None, PATH if new is not None else None, old, new)
    patch = Patch(1, "1" * 40, "s", "a", (fc,))
    return Series("0" * 40, "1" * 40, (patch,), fold_patches((patch,)))


def test_model_sees_every_kind() -> None:
    m = extract_file(PATH, SRC)
    assert m.parsed
    assert {v.c_name for v in m.vmsds} == {"vmstate_foo", "vmstate_foo_sub"}
    assert [t.name for t in m.types] == ["foo"]
    assert m.class_inits and m.properties and m.registrations


def test_pure_line_shift_is_silent_end_to_end() -> None:
    shifted = SRC.replace(b"#define TYPE_FOO", b"/*\n * a new comment\n */\n\n#define TYPE_FOO")
    shifted = shifted.replace(b"static void foo_realize", b"\n\nstatic void foo_realize")
    assert diff_models(PATH, extract_file(PATH, SRC), extract_file(PATH, shifted)) == ()
    report = analyze(one_patch(SRC, shifted), rules=(ANY,))
    assert report.findings == ()
    assert report.stats.files_parsed == 2


def test_real_edits_become_changes() -> None:
    edited = SRC.replace(b"        VMSTATE_BOOL(mode, FooState),\n", b"")
    edited = edited.replace(
        b'DEFINE_PROP_BOOL("mode", FooState, mode, true)',
        b'DEFINE_PROP_BOOL("mode", FooState, mode, false)',
    )
    report = analyze(one_patch(SRC, edited), rules=(ANY,))
    got = sorted(f.entity for f in report.findings)
    assert got == ["property:foo_props.mode", "vmsd:vmstate_foo"]
    assert all(f.patch_index == 1 for f in report.findings)


def test_added_and_deleted_c_file() -> None:
    added = analyze(one_patch(None, SRC), rules=(ANY,))
    deleted = analyze(one_patch(SRC, None), rules=(ANY,))
    assert len(added.findings) == len(deleted.findings) > 5
    assert {f.side for f in added.findings} == {"new"}
    assert {f.side for f in deleted.findings} == {"old"}


def test_non_utf8_file_does_not_crash() -> None:
    bad = SRC.replace(b"a new", b"\xff\xfe") + b"\xff\n"
    report = analyze(one_patch(SRC, bad + b"/* \xc3\x28 */\n"), rules=(ANY,))
    assert report.stats.rule_errors == ()


def test_comments_come_from_comment_nodes() -> None:
    src = b'int a; // expect: MIG001\nchar *s = "// not a comment";\n/* multi\n * line */\n'
    assert comments(src) == [(1, "expect: MIG001"), (3, "multi\nline")]
    nodes = comment_nodes(src)
    assert nodes[0].trailing and not nodes[1].trailing
    assert nodes[1].end_line == 4
