"""Severity by reach with the real TreeIndex: a device only on unversioned boards -> note."""

from __future__ import annotations

from collections.abc import Iterator

from bot.analyze import analyze
from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.extract import extract_file
from bot.model.tree import TreeIndex
from bot.series import FileChange, Patch, Series


def device(type_macro: str, type_name: str, parent: str, extra_field: bool) -> bytes:
    extra = "        VMSTATE_UINT32(extra, FooState),\n" if extra_field else ""
    return f"""\
#include "qemu/osdep.h"
#define {type_macro} "{type_name}"

static const VMStateDescription vmstate_dev = {{
    .name = "{type_name}",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {{
        VMSTATE_UINT32(ctrl, FooState),
{extra}        VMSTATE_END_OF_LIST()
    }},
}};

static void dev_class_init(ObjectClass *klass, const void *data)
{{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->vmsd = &vmstate_dev;
}}

static const TypeInfo dev_info = {{
    .name = {type_macro},
    .parent = {parent},
    .instance_size = sizeof(FooState),
    .class_init = dev_class_init,
}};
""".encode()


BOARD = b"""\
#include "qemu/osdep.h"
static void myboard_init(MachineState *ms)
{
    DeviceState *dev = qdev_new(TYPE_FOO);
    sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), &error_fatal);
}
"""


def vmsd_modified(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Test rule: any modified vmsd is an error."""
    if change.op == "modified":
        yield Hit(f"vmsd {change.key} changed", change.line, "new", change.key)


RULE = Rule(
    RuleSpec(
        "MIG991",
        "toy-vmsd-modified",
        Severity.ERROR,
        Category.OTHER,
        "high",
        "patch",
        "vmsd changed",
        "don't",
    ),
    vmsd_modified,
    "doc",
)


def review(path: str, old: bytes, new: bytes, context: dict[str, bytes]) -> Series:
    fc = FileChange(path, path, old, new)
    patch = Patch(1, "1" * 40, "s", "a", (fc,))
    return Series("0" * 40, "1" * 40, (patch,), (fc,))


def trees(
    path: str, old: bytes, new: bytes, context: dict[str, bytes]
) -> tuple[TreeIndex, TreeIndex]:
    base = {p: extract_file(p, d) for p, d in context.items()}
    return (
        TreeIndex.from_models({**base, path: extract_file(path, old)}),
        TreeIndex.from_models({**base, path: extract_file(path, new)}),
    )


def test_sysbus_device_on_unversioned_board_is_note() -> None:
    path = "hw/misc/foo.c"
    old = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", False)
    new = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", True)
    ctx = {"hw/arm/myboard.c": BOARD, "include/hw/misc/foo.h": b'#define TYPE_FOO "foo"\n'}
    old_tree, new_tree = trees(path, old, new, ctx)
    assert new_tree.types_for_vmsd("vmstate_dev") == ("foo",)
    assert not new_tree.on_versioned_machine("foo")
    report = analyze(
        review(path, old, new, ctx), rules=(RULE,), old_tree=old_tree, new_tree=new_tree
    )
    (f,) = report.findings
    assert f.severity is Severity.NOTE
    assert "cannot appear on a versioned machine type" in f.message
    # without trees the rule's severity stands
    (g,) = analyze(review(path, old, new, ctx), rules=(RULE,)).findings
    assert g.severity is Severity.ERROR
    assert g.fingerprint == f.fingerprint


def test_pci_device_keeps_error() -> None:
    path = "hw/misc/foo-pci.c"
    old = device("TYPE_FOO_PCI", "foo-pci", '"pci-device"', False)
    new = device("TYPE_FOO_PCI", "foo-pci", '"pci-device"', True)
    old_tree, new_tree = trees(path, old, new, {})
    report = analyze(
        review(path, old, new, {}), rules=(RULE,), old_tree=old_tree, new_tree=new_tree
    )
    (f,) = report.findings
    assert f.severity is Severity.ERROR


def test_device_on_versioned_board_keeps_error() -> None:
    path = "hw/misc/foo.c"
    old = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", False)
    new = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", True)
    ctx = {"hw/arm/virt.c": BOARD, "include/hw/misc/foo.h": b'#define TYPE_FOO "foo"\n'}
    old_tree, new_tree = trees(path, old, new, ctx)
    report = analyze(
        review(path, old, new, ctx), rules=(RULE,), old_tree=old_tree, new_tree=new_tree
    )
    assert report.findings[0].severity is Severity.ERROR


def test_self_consistency_defect_keeps_severity_on_unversioned_board() -> None:
    """A missing terminator breaks savevm/loadvm of the same binary: no downgrade (any_reach)."""
    from rules import load_rules

    path = "hw/misc/foo.c"
    old = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", False)
    new = old.replace(b"        VMSTATE_END_OF_LIST()\n", b"")
    ctx = {"hw/arm/myboard.c": BOARD, "include/hw/misc/foo.h": b'#define TYPE_FOO "foo"\n'}
    old_tree, new_tree = trees(path, old, new, ctx)
    assert not new_tree.on_versioned_machine("foo")
    rules = tuple(r for r in load_rules() if r.spec.id in ("MIG007", "MIG002"))
    assert all(r.spec.any_reach == (r.spec.id == "MIG007") for r in rules)
    report = analyze(
        review(path, old, new, ctx), rules=rules, old_tree=old_tree, new_tree=new_tree
    )
    (f,) = [f for f in report.findings if f.rule == "MIG007"]
    assert f.severity is Severity.ERROR
    assert "versioned" not in f.message


def test_pointer_array_mismatch_keeps_severity_on_unversioned_board() -> None:
    """An inline VARRAY on a heap pointer (06a1cea5f631, pl330) makes savevm read and loadvm
    write through the wrong memory in the same binary, on any board (MIG040 any_reach)."""
    from rules import load_rules

    path = "hw/misc/foo.c"
    old = device("TYPE_FOO", "foo", "TYPE_SYS_BUS_DEVICE", False)
    struct = (
        b"typedef struct FooState {\n"
        b"    uint32_t ctrl;\n    uint32_t n;\n    Chan *chan;\n"
        b"} FooState;\n"
    )
    old = old.replace(b'#include "qemu/osdep.h"\n', b'#include "qemu/osdep.h"\n' + struct)
    new = old.replace(
        b"        VMSTATE_UINT32(ctrl, FooState),\n",
        b"        VMSTATE_UINT32(ctrl, FooState),\n"
        b"        VMSTATE_STRUCT_VARRAY_UINT32(chan, FooState, n, 1, vmstate_chan, Chan),\n",
    )
    ctx = {"hw/arm/myboard.c": BOARD, "include/hw/misc/foo.h": b'#define TYPE_FOO "foo"\n'}
    old_tree, new_tree = trees(path, old, new, ctx)
    assert not new_tree.on_versioned_machine("foo")
    (rule,) = [r for r in load_rules() if r.spec.id == "MIG040"]
    report = analyze(
        review(path, old, new, ctx), rules=(rule,), old_tree=old_tree, new_tree=new_tree
    )
    (f,) = report.findings
    assert f.severity is Severity.ERROR
    assert "versioned" not in f.message
