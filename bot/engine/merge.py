"""One finding per problem: fold artifact findings (dump, migration) into source findings.

The source layer names a vmsd by its C name (`vmstate_foo.fields[x]`); the artifact layer by
its wire name (the `.name` string, in Finding.extra "description"/"vmsd"/"section"). The
trees translate one into the other; then an artifact finding joins the source finding of the
same rule family (rule id or category) about the same wire name. The merged finding keeps
the source finding's anchor, message and fingerprint, and lists what each layer saw in
evidence_detail (one entry per layer: the source rule, the dump comparison with its machines
and direction, the real migration with the destination's error).

Pure: no I/O; the trees are read-only views (bot.engine.spec.TreeView / bot.model.tree.TreeIndex).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from bot.findings import Category, Evidence, EvidenceDetail, Finding

if TYPE_CHECKING:
    from bot.engine.spec import TreeView
    from bot.model.tree import TreeIndex

__all__ = [
    "WireNames",
    "artifact_wire_names",
    "join_details",
    "merge_evidence",
    "source_wire_names",
    "tree_locator",
    "tree_wire_names",
]

# Finding -> wire names of the vmsd(s) it is about, most specific first.
WireNames = Callable[[Finding], Sequence[str]]

_CNAME = re.compile(r"([A-Za-z_]\w*)(?=$|[.@\[])")
_FIELD_SRC = re.compile(r"\.fields\[([^\]]+)\]")
_CONF = {"high": 3, "medium": 2, "low": 1}
_EVIDENCE_ORDER = {e: i for i, e in enumerate(Evidence)}


def _extra(f: Finding, key: str) -> str:
    for k, v in f.extra:
        if k == key:
            return v
    return ""


def artifact_wire_names(f: Finding) -> tuple[str, ...]:
    """Wire names an artifact finding is about: its Description, then the section's VMSD."""
    names = (_extra(f, "description"), _extra(f, "vmsd"))
    return tuple(dict.fromkeys(n for n in names if n and n != "vmschkmachine"))


def source_wire_names(
    f: Finding, old_tree: TreeView | None, new_tree: TreeView | None
) -> tuple[str, ...]:
    """The `.name` of the vmsd a source finding's entity starts with (`vmstate_foo...`).

    Looked up in the file the finding points at, on its side's tree first; () when the
    entity does not start with a vmsd C name the trees know.
    """
    m = _CNAME.match(f.entity)
    if m is None:
        return ()
    c_name = m.group(1)
    trees = (old_tree, new_tree) if f.side == "old" else (new_tree, old_tree)
    for tree in trees:
        if tree is None:
            continue
        fm = tree.file_model(f.path) if f.path else None
        v = fm.vmsd(c_name) if fm is not None else None
        if v is None:
            v = tree.vmsd(c_name)
        if v is not None and v.name:
            return (v.name,)
    return ()


def tree_wire_names(old_tree: TreeView | None, new_tree: TreeView | None) -> WireNames:
    """A WireNames that reads source findings through the trees and artifacts from extra."""

    def names(f: Finding) -> Sequence[str]:
        if Evidence.SOURCE in f.evidence:
            return source_wire_names(f, old_tree, new_tree)
        return artifact_wire_names(f)

    return names


def tree_locator(
    new_tree: TreeIndex | None, old_tree: TreeIndex | None = None
) -> Callable[[str], tuple[str, int] | None]:
    """Wire name -> (path, line) of its vmsd definition, head tree first (for a removed
    section, the base tree). For pipeline ArtifactOptions.locate."""
    table: dict[str, tuple[str, int]] = {}
    for tree in (new_tree, old_tree):
        if tree is None:
            continue
        for path, v in tree.iter_vmsds():
            if v.name and path.endswith(".c"):
                table.setdefault(v.name, (path, v.line))
        for path, v in tree.iter_vmsds():  # a vmsd only defined in a header
            if v.name:
                table.setdefault(v.name, (path, v.line))

    def locate(name: str) -> tuple[str, int] | None:
        return table.get(name) if name else None

    return locate


def _family(f: Finding) -> tuple[str, ...]:
    fam = [f.rule]
    if f.category is not Category.OTHER:
        fam.append(f.category.value)
    return tuple(fam)


def _field_of(f: Finding) -> str:
    """The field a finding is about: `...fields[x]` (source) or `section/Desc.x` (dump)."""
    m = _FIELD_SRC.search(f.entity)
    if m:
        return m.group(1)
    if _extra(f, "kind").startswith("field") and "." in f.entity:
        return f.entity.rsplit(".", 1)[1]
    return ""


def _join_extra(
    a: tuple[tuple[str, str], ...], b: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """a's pairs, then b's new keys; a key present in both with different values is joined."""
    out = dict(a)
    for k, v in b:
        if not v:
            out.setdefault(k, v)
        elif k not in out or not out[k]:
            out[k] = v
        elif v not in out[k].split(","):
            out[k] = f"{out[k]},{v}"
    return tuple(out.items())


def source_detail(f: Finding) -> EvidenceDetail:
    """The source layer's evidence: which rule fired where."""
    where = f"{f.path}:{f.line}" + (" (old side)" if f.side == "old" else "")
    return EvidenceDetail(Evidence.SOURCE, f"{f.rule} {f.name} at {where}")


def _details_of(f: Finding) -> tuple[EvidenceDetail, ...]:
    """A finding's evidence details; one made from the finding itself when it has none."""
    if f.evidence_detail:
        return f.evidence_detail
    if Evidence.SOURCE in f.evidence:
        return (source_detail(f),)
    machines = tuple(m for m in _extra(f, "machines").split(",") if m)
    return (EvidenceDetail(f.evidence[0], f.message, machines, _extra(f, "direction"),
                           _extra(f, "checker")),)  # fmt: skip


def join_details(
    a: Sequence[EvidenceDetail], b: Sequence[EvidenceDetail]
) -> tuple[EvidenceDetail, ...]:
    """a's details, then b's; the same observation on more machines (same direction) or in
    the other direction (same machines) joins the existing entry instead of repeating it."""
    out = list(a)
    for d in b:
        for i, e in enumerate(out):
            if (e.layer, e.text, e.checker) != (d.layer, d.text, d.checker):
                continue
            if e.direction == d.direction:
                out[i] = dataclasses.replace(e, machines=tuple(dict.fromkeys((*e.machines,
                                                                              *d.machines))))
                break
            if set(e.machines) == set(d.machines):
                out[i] = dataclasses.replace(e, direction="both")
                break
        else:
            out.append(d)
    return tuple(out)


def _absorb(src: Finding, art: Finding) -> Finding:
    evidence = tuple(sorted(set((*src.evidence, *art.evidence)), key=lambda e: _EVIDENCE_ORDER[e]))
    details = join_details(_details_of(src), _details_of(art))
    severity = src.severity if src.severity.rank >= art.severity.rank else art.severity
    confidence = max(src.confidence, art.confidence, key=lambda c: _CONF.get(c, 0))
    return dataclasses.replace(
        src,
        evidence=evidence,
        evidence_detail=tuple(sorted(details, key=lambda d: _EVIDENCE_ORDER[d.layer])),
        severity=severity,
        confidence=confidence,
        extra=_join_extra(src.extra, art.extra),
    )


def merge_evidence(
    source: Sequence[Finding], artifact: Sequence[Finding], wire_names: WireNames
) -> tuple[Finding, ...]:
    """Source findings with the artifact findings about the same problem folded in, then the
    artifact findings that have no source counterpart (in their order).

    Same problem: the same fingerprint, or the same rule family (rule id or non-"other"
    category) and the same vmsd wire name; a migration-only finding (no rule family of its
    own) joins any source finding about its vmsd, the most severe first. Among several
    candidates the one about the same field wins, else the first.
    """
    out = list(source)
    by_fp = {f.fingerprint: i for i, f in enumerate(out) if f.fingerprint}
    by_key: dict[tuple[str, str], list[int]] = {}
    by_wire: dict[str, list[int]] = {}
    for i, f in enumerate(out):
        for w in wire_names(f):
            by_wire.setdefault(w, []).append(i)
            for fam in _family(f):
                by_key.setdefault((fam, w), []).append(i)
    rest: list[Finding] = []
    for art in artifact:
        j = by_fp.get(art.fingerprint) if art.fingerprint else None
        if j is not None:
            out[j] = _absorb(out[j], art)
            continue
        wires = wire_names(art)
        cands: list[int] = []
        for w in wires:
            for fam in _family(art):
                cands += [i for i in by_key.get((fam, w), ()) if i not in cands]
        if not cands and art.evidence == (Evidence.MIGRATION,):
            for w in wires:
                cands += [i for i in by_wire.get(w, ()) if i not in cands]
            cands.sort(key=lambda i: -out[i].severity.rank)
        if not cands:
            rest.append(art)
            continue
        field = _field_of(art)
        same_field = [i for i in cands if field and _field_of(out[i]) == field]
        j = (same_field or cands)[0]
        out[j] = _absorb(out[j], art)
    return (*out, *rest)
