"""One finding per problem: source findings absorb the dump/migration findings about the same
vmsd (bot.engine.merge); the touched device types for the real migration (bot.engine.touched).

Real pieces only: the source finding comes from analyze() on two sides of a C file, the dump
finding from the builtin comparator on two small -dump-vmstate documents.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "artifacts"))

from art_dumpfix import desc, dump, fld

from bot.analyze import analyze
from bot.artifacts.compare import compare_dumps
from bot.artifacts.kinds import FWD, extra_get, make_finding
from bot.artifacts.pipeline import locate_findings
from bot.engine.merge import (
    join_details,
    merge_evidence,
    source_wire_names,
    tree_locator,
    tree_wire_names,
)
from bot.engine.touched import touched_device_types
from bot.findings import Evidence, EvidenceDetail, Finding, Severity
from bot.model.extract import extract_file
from bot.model.tree import TreeIndex
from bot.series import FileChange, Patch, Series

PATH = "hw/misc/foo.c"
HEADER_PATH = "include/hw/misc/foo.h"
HEADER = """\
#define TYPE_PCI_DEVICE "pci-device"
#define TYPE_FOO "foo-pci"
"""
BASE = """\
#include "hw/misc/foo.h"

typedef struct FooState {
    PCIDevice parent_obj;
    uint32_t ctrl;
    uint32_t scratch;
    uint32_t status;
} FooState;

static const VMStateDescription vmstate_bar = {
    .name = "bar",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(scratch, FooState),
        VMSTATE_UINT32(status, FooState),
        VMSTATE_END_OF_LIST()
    }
};

static void foo_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->vmsd = &vmstate_foo;
}

static const TypeInfo foo_info = {
    .name = TYPE_FOO,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(FooState),
    .class_init = foo_class_init,
};
"""
HEAD = BASE.replace("        VMSTATE_UINT32(scratch, FooState),\n", "", 1)


def trees() -> tuple[TreeIndex, TreeIndex]:
    header = extract_file(HEADER_PATH, HEADER.encode())
    defines = {d.name: d.value for d in header.defines if d.value is not None}
    old = TreeIndex.from_models(
        {HEADER_PATH: header, PATH: extract_file(PATH, BASE.encode(), defines)}
    )
    new = old.with_files({PATH: extract_file(PATH, HEAD.encode(), defines)})
    return old, new


def series() -> Series:
    fc = FileChange(PATH, PATH, BASE.encode(), HEAD.encode())
    patch = Patch(1, "c" * 40, "hw/misc/foo: drop scratch", "Ada <ada@example.org>", (fc,))
    return Series(base="b" * 40, head="c" * 40, patches=(patch,), folded=(fc,))


def source_finding(old: TreeIndex, new: TreeIndex) -> Finding:
    report = analyze(series(), old_tree=old, new_tree=new)
    (f,) = [f for f in report.findings if f.rule == "MIG002"]
    return f


def dumps() -> tuple[dict[str, Any], dict[str, Any]]:
    bar = ("bar-dev", desc("bar", [fld("ctrl")]))
    old = dump(("foo-pci", desc("foo", [fld("ctrl"), fld("scratch"), fld("status")])), bar)
    new = dump(("foo-pci", desc("foo", [fld("ctrl"), fld("status")])), bar)
    return old, new


def test_source_finding_knows_its_wire_name() -> None:
    old, new = trees()
    src = source_finding(old, new)
    assert src.entity == "vmstate_foo.fields[scratch]" and src.side == "old"
    assert source_wire_names(src, old, new) == ("foo",)
    assert source_wire_names(src, None, None) == ()


def test_source_and_dump_finding_for_the_same_vmsd_become_one() -> None:
    old, new = trees()
    src = source_finding(old, new)
    o, n = dumps()
    (dump_f,) = compare_dumps(o, n)
    assert dump_f.rule == "MIG002" and extra_get(dump_f, "vmsd") == "foo"
    mig = make_finding(
        "migration", Severity.ERROR, "Real migration old->new on pc-i440fx-7.2 failed; the "
        "destination said: error while loading state for instance 0x0 of device 'foo'",
        "migration:pc-i440fx-7.2:old->new:foo", section="foo", vmsd="foo", directions=[FWD],
        checker="migration", evidence=(Evidence.MIGRATION,))

    merged = merge_evidence((src,), (dump_f, mig), tree_wire_names(old, new))

    assert len(merged) == 1
    (f,) = merged
    assert f.evidence == (Evidence.SOURCE, Evidence.DUMP, Evidence.MIGRATION)
    assert (f.path, f.line, f.fingerprint, f.rule) == (src.path, src.line, src.fingerprint,
                                                       "MIG002")
    assert f.message == src.message  # the evidence is structured, not appended
    assert [d.layer for d in f.evidence_detail] == [
        Evidence.SOURCE, Evidence.DUMP, Evidence.MIGRATION]
    seen_src, seen_dump, seen_mig = f.evidence_detail
    assert seen_src.line() == f"source: MIG002 {src.name} at {PATH}:{src.line} (old side)"
    assert 'field "scratch"' in seen_dump.text and seen_dump.direction == "both"
    assert seen_mig.text.endswith("of device 'foo'") and seen_mig.direction == "old->new"
    assert f.to_json()["evidence_detail"] == [d.to_json() for d in f.evidence_detail]
    assert dict(f.extra)["checker"] == "builtin,migration"
    assert dict(f.extra)["vmsd"] == "foo"
    assert f.to_json()["extra"] == dict(f.extra)


def test_unmatched_artifact_findings_are_kept_and_located_through_the_tree() -> None:
    old, new = trees()
    src = source_finding(old, new)
    o, n = dumps()
    o["bar-dev"]["Description"]["version_id"] = 2
    o["bar-dev"]["version_id"] = 2
    fs = compare_dumps(o, n)
    bar = [f for f in fs if extra_get(f, "vmsd") == "bar"]
    assert bar and not bar[0].path
    located = locate_findings(fs, tree_locator(new, old))
    merged = merge_evidence((src,), located, tree_wire_names(old, new))
    assert [f.evidence for f in merged] == [(Evidence.SOURCE, Evidence.DUMP), (Evidence.DUMP,)]
    other = merged[1]
    assert other.rule == "MIG004" and other.path == PATH
    assert other.line == BASE.splitlines().index(
        "static const VMStateDescription vmstate_bar = {") + 1


def test_no_wire_names_means_no_merge() -> None:
    old, new = trees()
    src = source_finding(old, new)
    (dump_f,) = compare_dumps(*dumps())
    merged = merge_evidence((src,), (dump_f,), tree_wire_names(None, None))
    assert merged == (src, dump_f)


def test_touched_device_types() -> None:
    old, new = trees()
    assert touched_device_types(series(), old, new) == ("foo-pci",)
    assert touched_device_types(series(), old, None) == ()


def test_a_changed_hook_body_in_another_file_touches_the_device() -> None:
    hook = "hw/misc/foo_common.c"
    before = "int foo_post_load(void *opaque, int version_id)\n{\n    return 0;\n}\n"
    after = (
        "int foo_post_load(void *opaque, int version_id)\n{\n"
        "    foo_power_off(opaque);\n    return 0;\n}\n"
    )
    header = extract_file(HEADER_PATH, HEADER.encode())
    defines = {d.name: d.value for d in header.defines if d.value is not None}
    named = '    .name = "foo",\n'
    dev = BASE.replace(named, named + "    .post_load = foo_post_load,\n")
    old = TreeIndex.from_models({
        HEADER_PATH: header,
        PATH: extract_file(PATH, dev.encode(), defines),
        hook: extract_file(hook, before.encode(), defines),
    })  # fmt: skip
    new = old.with_files({hook: extract_file(hook, after.encode(), defines)})
    fc = FileChange(hook, hook, before.encode(), after.encode())
    patch = Patch(1, "c" * 40, "foo: power off on load", "Ada <ada@example.org>", (fc,))
    s = Series(base="b" * 40, head="c" * 40, patches=(patch,), folded=(fc,))
    assert touched_device_types(s, old, new) == ("foo-pci",)


def test_the_same_observation_on_more_machines_or_the_other_way_is_one_line() -> None:
    def mig(machines: tuple[str, ...], direction: str, text: str = "Unknown section") -> Any:
        return EvidenceDetail(Evidence.MIGRATION, text, machines, direction)

    joined = join_details(
        [mig(("pc-q35-10.2",), "old->new")],
        [mig(("pc-i440fx-10.2",), "old->new"), mig(("pc-q35-10.2", "pc-i440fx-10.2"), "new->old"),
         mig(("pc-q35-10.2",), "old->new", "another error")],
    )
    assert joined == (mig(("pc-q35-10.2", "pc-i440fx-10.2"), "both"),
                      mig(("pc-q35-10.2",), "old->new", "another error"))
