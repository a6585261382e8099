"""Run rules over entity changes and turn their Hits into Findings.

A rule that raises never produces a Finding and never stops the other rules: the crash is
recorded as "MIGxxx: <repr>" in the returned rule errors (flake8 names a failing plugin).
Severity follows reach: with a whole-tree view, a device whose types can never appear on a
versioned machine type gets its errors and warnings downgraded to notes — except for rules
whose spec says `any_reach` (self-consistency defects break every board).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.diff.changes import EntityChange
from bot.diff.linemap import LineMap
from bot.engine.baseline import ReleaseBaseline, new_since_release
from bot.engine.deprecation import documented_removals
from bot.engine.spec import Hit, Rule, RuleContext, TreeView, unit_files
from bot.findings import Finding, Severity, fingerprint
from bot.model.entities import (
    ClassInit,
    FileModel,
    HookBody,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
    VmstateRegistration,
)
from bot.series import Hunk, Patch, Series

# Where rule pages are published, if anywhere. None: findings carry no URL and reporters point
# at `migcheck rules <ID>` instead of inventing a link.
DOC_URL_BASE: str | None = None

_SIDES = ("old", "new")
_CONFIDENCES = ("high", "medium", "low")


def doc_url(rule_name: str, base: str | None = DOC_URL_BASE) -> str | None:
    """The documentation page of a rule, when a publication base is known."""
    return f"{base}{rule_name}" if base else None


@dataclass(frozen=True, slots=True)
class FileUnit:
    """One changed file of a unit (a patch or the folded series) with its entity changes."""

    path: str
    old_path: str | None
    old: FileModel | None
    new: FileModel | None
    changes: tuple[EntityChange, ...]
    hunks: tuple[Hunk, ...] = ()  # the file's diff hunks, to anchor old-side lines on new


def _wants(rule: Rule, change: EntityChange) -> bool:
    return not rule.spec.kinds or change.kind in rule.spec.kinds


def run_rules(
    rules: Sequence[Rule],
    series: Series,
    models: Sequence[FileUnit],
    *,
    patch: Patch | None = None,
    old_tree: TreeView | None = None,
    new_tree: TreeView | None = None,
    version: str | None = None,
    release: ReleaseBaseline | None = None,
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Findings of `rules` over every change of `models`, plus rule errors (never raises).

    `patch` is the patch being judged (None for the folded series); findings get its
    index and commit. Findings are deduplicated by fingerprint, first one wins. With
    `release` (the last release's tree), an error or warning about something the base has
    but the release lacks becomes a note (bot.engine.baseline).
    """
    all_changes = tuple(c for u in models for c in u.changes)
    model_rows = tuple((u.path, u.old, u.new) for u in models)
    old_files = unit_files(model_rows, "old")
    new_files = unit_files(model_rows, "new")
    policy = documented_removals(series)
    findings: list[Finding] = []
    errors: list[str] = []
    seen: set[str] = set()
    for unit in models:
        ctx = RuleContext(
            series=series,
            patch=patch,
            old_model=unit.old,
            new_model=unit.new,
            changes=all_changes,
            old_tree=old_tree,
            new_tree=new_tree,
            version=version,
            release=release,
            models=model_rows,
            old_files=old_files,
            new_files=new_files,
        )
        for rule in rules:
            for change in unit.changes:
                if not _wants(rule, change):
                    continue
                try:
                    made = [
                        _finding(
                            rule, hit, change, unit, patch, old_tree, new_tree, release, policy
                        )
                        for hit in rule.check(change, ctx)
                    ]
                except Exception as exc:  # a rule bug must not stop the review
                    msg = f"{rule.spec.id}: {exc!r}"
                    if msg not in errors:
                        errors.append(msg)
                    continue
                for f in made:
                    if f.fingerprint not in seen:
                        seen.add(f.fingerprint)
                        findings.append(f)
    return tuple(sort_findings(findings)), tuple(errors)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Deterministic order: path, side, line, rule, fingerprint."""
    return sorted(findings, key=lambda f: (f.path, f.side, f.line, f.rule, f.fingerprint))


def _finding(
    rule: Rule,
    hit: Hit,
    change: EntityChange,
    unit: FileUnit,
    patch: Patch | None,
    old_tree: TreeView | None,
    new_tree: TreeView | None,
    release: ReleaseBaseline | None = None,
    policy: frozenset[str] = frozenset(),
) -> Finding:
    """One Hit -> Finding; raises ValueError for a malformed Hit (counted as a rule error).

    `policy`: the names the series documents as removed after deprecation (bot.engine.
    deprecation); a removal of one of them is a note.
    """
    spec = rule.spec
    if not isinstance(hit, Hit):
        raise TypeError(f"check() yielded {type(hit).__name__}, expected Hit")
    if hit.side not in _SIDES:
        raise ValueError(f"Hit.side must be 'old' or 'new', got {hit.side!r}")
    confidence = hit.confidence or spec.confidence
    if confidence not in _CONFIDENCES:
        raise ValueError(f"confidence must be high|medium|low, got {confidence!r}")
    severity = Severity(hit.severity) if hit.severity is not None else spec.severity
    path = hit.path or change.path
    message = hit.message
    fp = fingerprint(spec.id, path, hit.entity, hit.message)
    if severity is not Severity.NOTE and not spec.any_reach:
        trees = [t for t in (old_tree, new_tree) if t is not None]
        if trees:
            types = reach_types(change, unit, trees[-1])
            if not types and len(trees) > 1:
                types = reach_types(change, unit, trees[0])
            if not types:
                types = _carrier_types(hit.carriers, trees[-1])
            if types and not _any_versioned(trees, types):
                severity = Severity.NOTE
                shown = ", ".join(types[:3]) + (", ..." if len(types) > 3 else "")
                message = (
                    f"{message} (note only: {shown} cannot appear on a versioned machine "
                    "type, so no released machine's migration compatibility is at stake)"
                )
    if severity is not Severity.NOTE and not spec.any_reach and release is not None:
        reach = reach_types(change, unit, old_tree) if old_tree is not None else ()
        base_files = [m for m in (unit.old,) if m is not None]
        news = new_since_release(change, hit.entity, reach, base_files, release)
        if news is not None:
            severity = Severity.NOTE
            message = (
                f"{message} (note only: {news} is new since {release.label}: no released "
                "QEMU has it, so it needs no compat handling)"
            )
            hit = dataclasses.replace(hit, fix_draft=None, fix_edits=())  # nothing to fix
    if severity is not Severity.NOTE and not spec.any_reach and policy:
        gone = _removed_names(change, unit, old_tree) & policy
        if gone:
            severity = Severity.NOTE
            message = (
                f"{message} (note only: {', '.join(repr(n) for n in sorted(gone))} went through "
                "QEMU's deprecation process and the series documents its removal in "
                "removed-features.rst: the break is policy, a VM that has it cannot migrate to "
                "this QEMU by design)"
            )
            hit = dataclasses.replace(hit, fix_draft=None, fix_edits=())
    line = max(int(hit.line), 1)
    extra: tuple[tuple[str, str], ...] = ()
    if hit.side == "old" and path == unit.path and unit.hunks:
        # reporters anchoring on the new side (GitLab, v2 matching) need the nearest new line
        new_line = LineMap(unit.hunks).old_to_new(line, exact=False)
        if new_line is not None:
            extra = (("new_line", str(new_line)),)
    return Finding(
        rule=spec.id,
        name=spec.name,
        severity=severity,
        category=spec.category,
        confidence=confidence,
        message=message,
        fix_hint=hit.fix_hint or spec.fix_hint,
        path=path,
        line=line,
        side=hit.side,
        entity=hit.entity,
        fix_draft=hit.fix_draft,
        fix_edits=hit.fix_edits,
        doc_url=doc_url(spec.name),
        patch_index=patch.index if patch is not None else None,
        commit=patch.commit if patch is not None else None,
        fingerprint=fp,
        extra=extra,
    )


def _removed_names(change: EntityChange, unit: FileUnit, tree: TreeView | None) -> set[str]:
    """QOM type and section names a removal takes away: the removed entity's own name and
    the types carrying it at base (nothing for additions and modifications)."""
    names: set[str] = set()
    if change.op != "removed":
        return names
    old = change.old
    if isinstance(old, TypeInfo) and old.name:
        names.add(old.name)
    elif isinstance(old, Vmsd) and old.name:
        names.add(old.name)
    elif isinstance(old, ObjectCreation) and old.type_name:
        names.add(old.type_name)
    if tree is not None:
        names.update(reach_types(change, unit, tree))
    return names


def _any_versioned(trees: Sequence[TreeView], types: Sequence[str]) -> bool:
    """Whether any type may sit on a versioned machine at base or head (unknown = yes).

    A type only one side knows (added or removed by the series) is judged on that side; a
    type neither side knows counts as versioned, so the rule's severity stands.
    """
    for name in types:
        known = [t for t in trees if _knows(t, name)]
        if not known:
            return True
        if any(tree.on_versioned_machine(name) for tree in known):
            return True
    return False


def _knows(tree: TreeView, type_name: str) -> bool:
    return tree.type_by_name(type_name) is not None


def reach_types(change: EntityChange, unit: FileUnit, tree: TreeView) -> tuple[str, ...]:
    """QOM type names whose instances carry the changed entity; () when unknown.

    An empty result means "reach unknown" and keeps the rule's severity.
    """
    names: list[str] = []
    models = [m for m in (unit.new, unit.old) if m is not None]
    for ent in (change.new, change.old):
        if ent is None:
            continue
        if isinstance(ent, Vmsd):
            for c_name in _enclosing_vmsds(models, ent.c_name, tree):
                names.extend(_vmsd_types(tree, c_name))
        elif isinstance(ent, VmstateRegistration):
            if ent.vmsd:
                names.extend(_vmsd_types(tree, ent.vmsd))
        elif isinstance(ent, HookBody):
            for user in _hook_vmsds(models, ent, unit.path, tree):
                for c_name in _enclosing_vmsds(models, user, tree):
                    names.extend(_vmsd_types(tree, c_name))
        elif isinstance(ent, TypeInfo):
            if ent.name:
                names.append(ent.name)
        elif isinstance(ent, ClassInit):
            names.extend(_types_of_class_init(models, ent.function))
            if ent.vmsd:
                names.extend(_vmsd_types(tree, ent.vmsd))
        elif isinstance(ent, Property):
            for m in models:
                for ci in m.class_inits:
                    if ent.array in ci.props:
                        names.extend(_types_of_class_init(models, ci.function))
        elif isinstance(ent, ObjectCreation):
            # A creation site runs in the code of the types its file defines (a board's
            # machine types, a parent device's realize): its reach is theirs, not that of
            # every machine the created type could appear on. A file without types (a
            # helper shared by boards) leaves only the created type to go by.
            creators = _file_types(models)
            if creators:
                names.extend(creators)
            elif ent.type_name:
                names.append(ent.type_name)
    if not names and change.kind in _FILE_REACH_KINDS:
        # a call, registration or table in a device/board file belongs to the file's types
        names.extend(_file_types(models))
    return tuple(dict.fromkeys(names))


# Kinds whose reach falls back to the types the file defines. Not vmsd: a vmsd can be used
# (VMSTATE_STRUCT) by devices of other files, so its file says nothing about its reach.
_FILE_REACH_KINDS = frozenset(
    {
        "call",
        "registration",
        "array",
        "class_init",
        "property",
        "stream",
        "feature_mask",
        "reject_gate",
        "ram_block",
    }
)


def _hook_vmsds(
    models: Sequence[FileModel], body: HookBody, path: str, tree: TreeView
) -> list[str]:
    """C names of the vmsds naming the function as a hook or _TEST predicate: in the unit's
    files and, unless it is static (then only its own file's), anywhere in the tree."""
    out = [
        v.c_name
        for m in models
        for v in m.vmsds
        if any(fn == body.name for _, fn in v.hooks) or any(f.test == body.name for f in v.fields)
    ]
    for c_name, _role, where in tree.hook_users(body.name):
        if not body.static or where == path:
            out.append(c_name)
    return list(dict.fromkeys(out))


def _file_types(models: Sequence[FileModel]) -> list[str]:
    return [t.name for m in models for t in m.types if t.name]


def _carrier_types(carriers: Sequence[str], tree: TreeView) -> tuple[str, ...]:
    """QOM types of the devices whose vmsds (or a vmsd embedding them) are the carriers."""
    names: list[str] = []
    for c in carriers[:8]:
        for c_name in _enclosing_vmsds((), c, tree):
            names.extend(_vmsd_types(tree, c_name))
    return tuple(dict.fromkeys(names))


def _vmsd_types(tree: TreeView, c_name: str) -> tuple[str, ...]:
    return tree.types_for_vmsd(c_name)


def _enclosing_vmsds(
    models: Sequence[FileModel], c_name: str, tree: TreeView | None = None
) -> list[str]:
    """`c_name` and every vmsd embedding it (subsection or struct field), transitively.

    Looks in the unit's files and, through TreeView.vmsd_containers, in the whole tree.
    """
    out = [c_name]
    i = 0
    while i < len(out) and len(out) < 64:
        cur = out[i]
        i += 1
        found: list[str] = []
        for m in models:
            for v in m.vmsds:
                if cur in v.subsections or any(f.vmsd_ref == cur for f in v.fields):
                    found.append(v.c_name)
        if tree is not None:
            found.extend(tree.vmsd_containers(cur))
        for name in found:
            if name not in out:
                out.append(name)
    return out


def _types_of_class_init(models: Iterable[FileModel], function: str) -> list[str]:
    return [t.name for m in models for t in m.types if t.class_init == function and t.name]
