"""run_rules: Hit -> Finding, crash isolation, stable fingerprints, severity by reach."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.diff.filediff import diff_models
from bot.engine.runner import DOC_URL_BASE, FileUnit, reach_types, run_rules
from bot.engine.spec import Hit, Rule, RuleContext, RuleSpec
from bot.findings import Category, Severity, fingerprint
from bot.model.entities import (
    ClassInit,
    CompatArray,
    Define,
    FileModel,
    Property,
    TypeInfo,
    Vmsd,
    VmstateField,
)
from bot.series import FileChange, Patch, Series

PATH = "hw/misc/foo.c"


def fld(name: str, line: int) -> VmstateField:
    return VmstateField(
        "VMSTATE_UINT32", (name, "S"), name, name, "S", 0, None, None, "uint32", 4, None, None, line
    )


def vmsd(c_name: str, line: int, names: list[str], subsections: tuple[str, ...] = ()) -> Vmsd:
    return Vmsd(
        c_name,
        c_name,
        f'"{c_name}"',
        1,
        1,
        tuple(fld(n, line + 1 + i) for i, n in enumerate(names)),
        subsections,
        0,
        (),
        False,
        None,
        line,
        line + len(names) + 2,
    )


def spec(
    rule_id: str = "MIG901", severity: Severity = Severity.ERROR, kinds: tuple[str, ...] = ("vmsd",)
) -> RuleSpec:
    return RuleSpec(
        rule_id,
        f"test-rule-{rule_id[-3:]}",
        severity,
        Category.FIELD_REMOVED,
        "high",
        "patch",
        "a field was removed",
        "use VMSTATE_UNUSED",
        kinds,
    )


def removed_fields(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Test rule: one Hit per field name that disappeared from a vmsd."""
    if change.op != "modified":
        return
    assert isinstance(change.old, Vmsd) and isinstance(change.new, Vmsd)
    new_names = {f.name for f in change.new.fields}
    for i, f in enumerate(change.old.fields):
        if f.name not in new_names:
            yield Hit(
                f"field '{f.name}' removed from {change.key} at line {f.line}",
                line=change.new.line,
                side="new",
                entity=f"{change.key}.fields[{i}]",
            )


def crashing(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Test rule: yields one hit then crashes."""
    yield Hit("partial", line=1, side="new", entity="x")
    raise KeyError("boom")


def bad_side(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Test rule: yields a malformed Hit."""
    yield Hit("bad", line=1, side="both", entity="x")


REMOVED = Rule(spec("MIG901"), removed_fields, "doc")
CRASH = Rule(spec("MIG902"), crashing, "doc")
BAD = Rule(spec("MIG903"), bad_side, "doc")

SERIES = Series(base="b" * 40, head="h" * 40, patches=(), folded=())
PATCH = Patch(index=2, commit="c" * 40, subject="s", author="a", files=())


def unit(old: FileModel | None, new: FileModel | None) -> FileUnit:
    return FileUnit(PATH, PATH, old, new, diff_models(PATH, old, new))


OLD = FileModel(PATH, vmsds=(vmsd("vmstate_foo", 10, ["a", "b", "c"]),))
NEW = FileModel(PATH, vmsds=(vmsd("vmstate_foo", 10, ["a", "c"]),))


class FakeTree:
    """A tiny real TreeView: fixed vmsd->types map and a set of versioned-machine types."""

    def __init__(self, vmsd_types: dict[str, tuple[str, ...]], versioned: set[str]) -> None:
        self._vmsd_types = vmsd_types
        self._versioned = versioned
        self._containers: dict[str, tuple[str, ...]] = {}
        self.asked: list[str] = []

    def resolve_define(self, name: str) -> str | None:
        return None

    def type_by_name(self, name: str) -> TypeInfo | None:
        known = {t for ts in self._vmsd_types.values() for t in ts} | self._versioned
        if name not in known:
            return None
        return TypeInfo(f"{name}_info", name, None, None, None, None, None, None, False, (), 1)

    def type_ancestors(self, name: str) -> tuple[str, ...]:
        return ()

    def type_descendants(self, name: str) -> tuple[str, ...]:
        return ()

    def types_for_vmsd(self, vmsd_c_name: str) -> tuple[str, ...]:
        return self._vmsd_types.get(vmsd_c_name, ())

    def vmsd_of_type(self, type_name: str) -> str | None:
        return None

    def vmsd_containers(self, vmsd_c_name: str) -> tuple[str, ...]:
        return self._containers.get(vmsd_c_name, ())

    def vmsd(self, c_name: str) -> Vmsd | None:
        return None

    def vmsd_path(self, c_name: str) -> str | None:
        return None

    def properties_of_type(self, type_name: str) -> tuple[Property, ...]:
        return ()

    def compat_arrays(self) -> tuple[tuple[str, CompatArray], ...]:
        return ()

    def on_versioned_machine(self, type_name: str) -> bool:
        self.asked.append(type_name)
        return type_name in self._versioned

    def file_model(self, path: str) -> FileModel | None:
        return None


def test_hit_becomes_complete_finding() -> None:
    findings, errors = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), patch=PATCH)
    assert errors == ()
    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.name, f.severity, f.category, f.confidence) == (
        "MIG901",
        "test-rule-901",
        Severity.ERROR,
        Category.FIELD_REMOVED,
        "high",
    )
    assert f.path == PATH and f.line == 10 and f.side == "new"
    assert f.entity == "vmstate_foo.fields[1]"
    assert f.fix_hint == "use VMSTATE_UNUSED"
    assert f.doc_url is None and DOC_URL_BASE is None  # no invented links
    assert (f.patch_index, f.commit) == (2, "c" * 40)
    assert f.fingerprint == fingerprint("MIG901", PATH, f.entity, f.message)


def test_crashing_rule_is_isolated() -> None:
    findings, errors = run_rules((CRASH, REMOVED, BAD), SERIES, (unit(OLD, NEW),))
    assert [f.rule for f in findings] == ["MIG901"]
    assert errors[0] == "MIG902: KeyError('boom')"
    assert errors[1].startswith("MIG903: ValueError(")
    assert len(errors) == 2


def test_kinds_filter() -> None:
    only_types = Rule(dataclasses.replace(REMOVED.spec, kinds=("type",)), removed_fields, "d")
    findings, _ = run_rules((only_types,), SERIES, (unit(OLD, NEW),))
    assert findings == ()


def test_fingerprint_stable_under_line_shift() -> None:
    shifted_old = FileModel(PATH, vmsds=(vmsd("vmstate_foo", 40, ["a", "b", "c"]),))
    shifted_new = FileModel(PATH, vmsds=(vmsd("vmstate_foo", 52, ["a", "c"]),))
    a, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),))
    b, _ = run_rules((REMOVED,), SERIES, (unit(shifted_old, shifted_new),))
    assert a[0].line != b[0].line
    assert a[0].message != b[0].message  # the message names a line number ...
    assert a[0].fingerprint == b[0].fingerprint  # ... the fingerprint does not care


def test_severity_downgraded_when_no_versioned_machine() -> None:
    tree = FakeTree({"vmstate_foo": ("foo-dev", "foo-dev-sub")}, versioned=set())
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), old_tree=tree, new_tree=tree)
    f = findings[0]
    assert f.severity is Severity.NOTE
    assert "cannot appear on a versioned machine type" in f.message
    assert "foo-dev" in f.message
    plain, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),))
    assert f.fingerprint == plain[0].fingerprint  # downgrade does not change identity


def test_severity_kept_when_any_type_is_versioned() -> None:
    tree = FakeTree({"vmstate_foo": ("foo-dev", "foo-pci")}, versioned={"foo-pci"})
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), new_tree=tree)
    assert findings[0].severity is Severity.ERROR
    assert "versioned" not in findings[0].message


def test_severity_kept_without_tree_or_with_unknown_reach() -> None:
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),))
    assert findings[0].severity is Severity.ERROR
    unknown = FakeTree({}, versioned=set())
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), new_tree=unknown)
    assert findings[0].severity is Severity.ERROR


def test_warning_downgraded_note_untouched() -> None:
    tree = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned=set())
    warn = Rule(spec("MIG904", Severity.WARNING), removed_fields, "d")
    note = Rule(spec("MIG905", Severity.NOTE), removed_fields, "d")
    findings, _ = run_rules((warn, note), SERIES, (unit(OLD, NEW),), new_tree=tree)
    by_rule = {f.rule: f for f in findings}
    assert by_rule["MIG904"].severity is Severity.NOTE
    assert by_rule["MIG905"].severity is Severity.NOTE
    assert "versioned" not in by_rule["MIG905"].message


def test_reach_of_subsection_goes_through_parent() -> None:
    sub = vmsd("vmstate_foo_sub", 30, ["z"])
    parent = vmsd("vmstate_foo", 10, ["a"], subsections=("vmstate_foo_sub",))
    model = FileModel(PATH, vmsds=(parent, sub))
    new_sub = vmsd("vmstate_foo_sub", 30, [])
    new_model = FileModel(PATH, vmsds=(parent, new_sub))
    u = unit(model, new_model)
    tree = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned=set())
    assert reach_types(u.changes[0], u, tree) == ("foo-dev",)


def test_reach_of_property_via_class_init() -> None:
    ti = TypeInfo(
        "foo_info", "foo-dev", "TYPE_FOO", None, None, "foo_class_init", None, None, False, (), 5
    )
    ci = ClassInit("foo_class_init", None, None, ("foo_props",), 20)
    p = Property("foo_props", "DEFINE_PROP_BOOL", "x", '"x"', "S", "x", "true", 30)
    old = FileModel(PATH, types=(ti,), class_inits=(ci,))
    new = FileModel(PATH, types=(ti,), class_inits=(ci,), properties=(p,))
    u = unit(old, new)
    tree = FakeTree({}, versioned=set())
    prop_change = next(c for c in u.changes if c.kind == "property")
    assert reach_types(prop_change, u, tree) == ("foo-dev",)


def test_findings_deduplicated_by_fingerprint() -> None:
    def twice(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        yield Hit("same", line=1, side="new", entity="e")
        yield Hit("same", line=9, side="new", entity="e")

    findings, _ = run_rules((Rule(spec("MIG906"), twice, "d"),), SERIES, (unit(OLD, NEW),))
    assert len(findings) == 1


def test_context_carries_all_files() -> None:
    seen: list[RuleContext] = []

    def spy(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        seen.append(ctx)
        return iter(())

    other = FileUnit("hw/core/machine.c", "hw/core/machine.c", None, None, ())
    fc = FileChange(PATH, PATH, b"", b"")
    s = dataclasses.replace(SERIES, folded=(fc,))
    run_rules((Rule(spec("MIG907"), spy, "d"),), s, (unit(OLD, NEW), other), version="10.2.50")
    assert seen and seen[0].version == "10.2.50"
    assert [row[0] for row in seen[0].models] == [PATH, "hw/core/machine.c"]
    assert seen[0].old_model is OLD and seen[0].new_model is NEW
    assert seen[0].patch is None


def test_old_side_finding_gets_new_line_anchor() -> None:
    from bot.series import Hunk

    def removed_vmsd(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        if change.op == "removed":
            yield Hit("gone", line=change.line, side="old", entity=change.key)

    old = FileModel(PATH, vmsds=(vmsd("vmstate_a", 5, ["x"]), vmsd("vmstate_b", 20, ["y"])))
    new = FileModel(PATH, vmsds=(vmsd("vmstate_a", 5, ["x"]),))
    u = dataclasses.replace(unit(old, new), hunks=(Hunk(20, 4, 19, 0),))
    findings, _ = run_rules((Rule(spec("MIG908"), removed_vmsd, "d"),), SERIES, (u,))
    (f,) = findings
    assert (f.side, f.line) == ("old", 20)
    assert dict(f.extra) == {"new_line": "19"}


def test_type_unknown_to_both_trees_keeps_severity() -> None:
    class Partial(FakeTree):
        def type_by_name(self, name: str) -> TypeInfo | None:
            return None  # knows the vmsd's users but not the types themselves

    tree = Partial({"vmstate_foo": ("foo-dev",)}, versioned=set())
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), new_tree=tree)
    assert findings[0].severity is Severity.ERROR


def test_versioned_at_base_keeps_severity() -> None:
    """A device a versioned board stops creating is judged on the base tree too."""
    base = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned={"foo-dev"})
    head = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned=set())
    findings, _ = run_rules((REMOVED,), SERIES, (unit(OLD, NEW),), old_tree=base, new_tree=head)
    assert findings[0].severity is Severity.ERROR


def test_callsite_reach_falls_back_to_file_types() -> None:
    from bot.model.entities import CallSite

    def calls(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        yield Hit("call changed", change.line, change.side, change.key)

    ti = TypeInfo("b_info", "myboard-machine", None, None, None, None, None, None, False, (), 3)
    old = FileModel(
        "hw/arm/myboard.c",
        types=(ti,),
        calls=(CallSite("pci_set_word", ("a", "1"), "board_init", 9),),
    )
    new = FileModel("hw/arm/myboard.c", types=(ti,))
    u = FileUnit("hw/arm/myboard.c", None, old, new, diff_models("hw/arm/myboard.c", old, new))
    rule = Rule(spec("MIG909", kinds=("call",)), calls, "d")
    tree = FakeTree({"x": ("myboard-machine",)}, versioned=set())
    findings, _ = run_rules((rule,), SERIES, (u,), new_tree=tree)
    assert findings[0].severity is Severity.NOTE
    tree = FakeTree({"x": ("myboard-machine",)}, versioned={"myboard-machine"})
    findings, _ = run_rules((rule,), SERIES, (u,), new_tree=tree)
    assert findings[0].severity is Severity.ERROR


def test_reach_of_nested_vmsd_through_tree_containers() -> None:
    """A struct vmsd used by a device of another file reaches that device's types."""
    old = FileModel(PATH, vmsds=(vmsd("vmstate_fifo", 10, ["a", "b"]),))
    new = FileModel(PATH, vmsds=(vmsd("vmstate_fifo", 10, ["a"]),))
    tree = FakeTree({"vmstate_uart": ("uart-dev",)}, versioned=set())
    tree._containers = {"vmstate_fifo": ("vmstate_uart",)}
    u = unit(old, new)
    assert reach_types(u.changes[0], u, tree) == ("uart-dev",)
    findings, _ = run_rules((REMOVED,), SERIES, (u,), new_tree=tree)
    assert findings[0].severity is Severity.NOTE
    tree = FakeTree({"vmstate_uart": ("uart-dev",)}, versioned={"uart-dev"})
    tree._containers = {"vmstate_fifo": ("vmstate_uart",)}
    findings, _ = run_rules((REMOVED,), SERIES, (u,), new_tree=tree)
    assert findings[0].severity is Severity.ERROR


def _define_unit() -> FileUnit:
    hp = "include/hw/misc/foo.h"
    old = FileModel(hp, defines=(Define("FOO_N", "4", None, 3),))
    new = FileModel(hp, defines=(Define("FOO_N", "8", None, 3),))
    return FileUnit(hp, hp, old, new, diff_models(hp, old, new))


def _sized_by_define(carriers: tuple[str, ...]) -> Rule:
    def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
        yield Hit("FOO_N sizes vmstate_foo.buf", line=3, side="new", entity="x", carriers=carriers)

    return Rule(spec("MIG906", kinds=("define",)), check, "d")


def test_hit_carriers_give_reach_when_the_change_has_none() -> None:
    """A header #define has no QOM type of its own: the vmsds the hit names decide reach."""
    tree = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned=set())
    u = _define_unit()
    assert u.changes and reach_types(u.changes[0], u, tree) == ()
    carried, _ = run_rules((_sized_by_define(("vmstate_foo",)),), SERIES, (u,), new_tree=tree)
    assert carried[0].severity is Severity.NOTE and "foo-dev" in carried[0].message
    bare, _ = run_rules((_sized_by_define(()),), SERIES, (u,), new_tree=tree)
    assert bare[0].severity is Severity.ERROR  # reach unknown: severity stands
    versioned = FakeTree({"vmstate_foo": ("foo-dev",)}, versioned={"foo-dev"})
    kept, _ = run_rules((_sized_by_define(("vmstate_foo",)),), SERIES, (u,), new_tree=versioned)
    assert kept[0].severity is Severity.ERROR
