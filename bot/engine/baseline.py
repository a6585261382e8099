"""The release baseline: what the last release shipped, and which changed entities it lacks.

Compat handling (a version bump, a subsection, a hw_compat entry, a new CPU model version)
exists for machines of a released QEMU. An entity the current development cycle added — a
vmsd, a field, a subsection, a CPU model, a QOM type (device or machine type), a property —
is in no released QEMU, so changing or removing it again before the release needs none. The
runner asks `new_since_release` for every error or warning and turns it into a note that
says so.

Only entities the base has are judged: what the series itself adds is new by definition,
and adding a field to a released vmsd still needs its version bump, so the question is then
asked of the entity that holds the addition (the vmsd, the device).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.diff.changes import EntityChange
from bot.model.entities import (
    ClassInit,
    FileModel,
    InitializerArray,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
)
from bot.model.view import TreeView

__all__ = ["ReleaseBaseline", "new_since_release"]


@dataclass(frozen=True, slots=True)
class ReleaseBaseline:
    """The last release before the base: its version, commit, tag and whole-tree view."""

    version: str  # "10.1.0"
    commit: str  # full commit id
    tree: TreeView  # the release's whole tree, filled with the series' changed paths
    tag: str | None = None

    @property
    def label(self) -> str:
        """`v10.1.0 (commit 1234567890ab)`."""
        return f"v{self.version} (commit {self.commit[:12]})"


# Entity ids the vmsd rules give their hits (bot.rulekit.vmsd.field_entity and the
# subsection rules): `<vmsd>.fields[<label>]`, `<vmsd>.subsections[<c name>]`.
_FIELD_ENTITY = re.compile(r"(?P<vmsd>\w+)\.fields\[(?P<label>[^\]]+)\]")
_SUB_ENTITY = re.compile(r"(?P<vmsd>\w+)\.subsections\[(?P<sub>\w+)\]")
_ARRAY_ENTITY = re.compile(r"(?P<array>\w+)\[(?P<name>[^\]]+)\]")


def new_since_release(
    change: EntityChange,
    entity: str,
    reach: Sequence[str],
    base_files: Iterable[FileModel],
    release: ReleaseBaseline,
) -> str | None:
    """What of the base's entity behind a hit is new since the release ("vmsd 'foo'",
    "field 'x' of vmsd 'foo'", "CPU model 'X'", "QOM type 'y'"), None when it shipped or
    when that cannot be told.

    `entity` is the hit's entity id, `reach` the QOM types carrying the change (the
    runner's reach_types at base), `base_files` the base models of the unit.
    """
    rel = release.tree
    old = change.old
    if isinstance(old, Vmsd):
        new = change.new if isinstance(change.new, Vmsd) else None
        return _vmsd_news(old, new, entity, rel, base_files)
    if change.kind == "vmsd":
        return _types_news(reach, rel)  # a vmsd the series adds: is its device released?
    if isinstance(old, InitializerArray):
        return _array_news(change, old, entity, rel)
    if isinstance(old, Property):
        return _property_news(old, change, reach, rel)
    if isinstance(old, TypeInfo):
        if old.name and rel.type_by_name(old.name) is None:
            return f"QOM type '{old.name}'"
        return None
    if isinstance(old, ObjectCreation) and old.type_name:
        if rel.type_by_name(old.type_name) is None:
            return f"QOM type '{old.type_name}'"
        return _types_news(reach, rel)
    if isinstance(old, ClassInit) or old is None or change.kind in _REACH_KINDS:
        return _types_news(reach, rel)
    return None


# Changes whose release question is the one of the devices carrying them.
_REACH_KINDS = frozenset(
    {
        "call",
        "registration",
        "alloc",
        "reject_gate",
        "ram_block",
        "stream",
        "feature_mask",
        "hook_body",
    }
)


def _types_news(reach: Sequence[str], rel: TreeView) -> str | None:
    """The reach types, when every one of them is unknown to the release (a new device)."""
    if not reach or any(rel.type_by_name(t) is not None for t in reach):
        return None
    shown = ", ".join(f"'{t}'" for t in reach[:3]) + (", ..." if len(reach) > 3 else "")
    return f"QOM type{'s' if len(reach) > 1 else ''} {shown}"


def _release_vmsd(old: Vmsd, rel: TreeView) -> Vmsd | None:
    """The release's vmsd with the base vmsd's C name and wire name, else by wire name."""
    for _, v in rel.vmsd_definitions(old.c_name):
        if old.name is None or v.name == old.name:
            return v
    if old.name is None:
        return None
    for _, v in rel.iter_vmsds():
        if v.name == old.name:
            return v
    return None


def _vmsd_news(
    old: Vmsd, new: Vmsd | None, entity: str, rel: TreeView, base_files: Iterable[FileModel]
) -> str | None:
    shipped = _release_vmsd(old, rel)
    if shipped is None:
        if old.name is None and not rel.vmsd_definitions(old.c_name):
            return None  # an unresolved wire name: cannot tell which section it was
        return f"vmsd '{old.name or old.c_name}'"
    m = _FIELD_ENTITY.fullmatch(entity)
    if m is not None and m.group("vmsd") == old.c_name:
        label = m.group("label")
        base_labels = {f.label for f in old.fields}
        if label in base_labels and label not in {f.label for f in shipped.fields}:
            return f"field '{label}' of vmsd '{old.name or old.c_name}'"
        if label not in base_labels and new is not None:
            return _version_news(old, new, label, shipped)
        return None
    m = _SUB_ENTITY.fullmatch(entity)
    if m is not None and m.group("vmsd") == old.c_name:
        sub = m.group("sub")
        if sub in old.subsections and not _shipped_subsection(sub, shipped, rel, base_files):
            return f"subsection '{sub}' of vmsd '{old.name or old.c_name}'"
    return None


def _version_news(old: Vmsd, new: Vmsd, label: str, shipped: Vmsd) -> str | None:
    """Fields the series adds at a `_V(n)` that the base already sends but the release does
    not (`version_id` raised during the cycle, fields added to that version by later patches):
    streams of the release skip them, and cannot load the base's version either. Every field
    added without a newer `_V` or a `_TEST` must be of that kind (a hit names only the first)."""
    rel_ver, base_ver = shipped.version_id, old.version_id
    if rel_ver is None or base_ver is None or rel_ver >= base_ver:
        return None
    had = {f.label for f in old.fields}
    added = [f for f in new.fields if f.label not in had]
    ungated = [f for f in added if not f.test and f.version_id <= base_ver]
    if label not in {f.label for f in ungated}:
        return None
    if all(f.version_id > rel_ver for f in ungated):
        return f"version {base_ver} of vmsd '{old.name or old.c_name}'"
    return None


def _shipped_subsection(
    sub: str, shipped: Vmsd, rel: TreeView, base_files: Iterable[FileModel]
) -> bool:
    """Whether the release's vmsd lists the subsection (by C name, else by wire name)."""
    if sub in shipped.subsections:
        return True
    wire = next((v.name for fm in base_files for v in fm.vmsds if v.c_name == sub), None)
    if wire is None:
        return True  # cannot tell: keep the finding
    for c_name in shipped.subsections:
        v = rel.vmsd(c_name)
        if v is None or v.name == wire:
            return True
    return False


def _array_news(
    change: EntityChange, old: InitializerArray, entity: str, rel: TreeView
) -> str | None:
    """A CPU model (an element of builtin_x86_defs[] ...) the release's array lacks."""
    m = _ARRAY_ENTITY.fullmatch(entity)
    if m is None or m.group("array") != old.name:
        return None
    name = m.group("name")
    needle = f'"{name}"'
    if needle not in old.text:
        return None
    model = rel.file_model(change.old_path or change.path)
    if model is None:
        return None  # the file is not at hand (moved, or the view lacks it): cannot tell
    shipped = next((a for a in model.arrays if a.name == old.name), None)
    if shipped is None or needle not in shipped.text:
        return f"CPU model '{name}'"
    return None


def _property_news(
    old: Property, change: EntityChange, reach: Sequence[str], rel: TreeView
) -> str | None:
    """A property its file's array did not have at the release (or a device the release
    lacks). Judged on the release's copy of the same file: a property installed some other
    way than by that array cannot be told apart from a new one, so it is left alone."""
    news = _types_news(reach, rel)
    if news is not None or old.name is None:
        return news
    model = rel.file_model(change.old_path or change.path)
    if model is None:
        return None
    shipped = [p for p in model.properties if p.array == old.array]
    if not shipped or any(p.name == old.name for p in model.properties):
        return None
    return f"property '{old.name}' of {old.array}[]"
