"""What a rule is (RuleSpec), what it returns (Hit) and what it may look at (RuleContext).

The whole-tree views a rule sees are `bot.model.view.TreeView`s: filled before rules run,
answered from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from bot.diff.changes import EntityChange
from bot.engine.baseline import ReleaseBaseline
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import FileModel
from bot.model.view import FilesView, TreeView
from bot.series import Patch, Series

__all__ = ["CheckFn", "Hit", "ReleaseBaseline", "Rule", "RuleContext", "RuleSpec", "TreeView"]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Static description of a rule; docs live in the rule module's docstring."""

    id: str  # MIG001
    name: str  # vmstate-field-removed
    severity: Severity  # default severity for a device on a versioned machine type
    category: Category
    confidence: str  # high | medium | low
    scope: Literal["patch", "series"]
    message: str  # short summary template
    fix_hint: str
    kinds: tuple[str, ...] = ()  # EntityChange kinds it wants; empty = all
    # A self-consistency defect (a list without its terminator, a subsection without its
    # parent's name prefix, a hook casting the opaque to another type) breaks savevm/loadvm
    # of the same binary on every board, so its severity does not follow reach.
    any_reach: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule's check() yields; the engine turns it into a Finding."""

    message: str
    line: int
    side: str  # old | new
    entity: str  # e.g. "vmstate_foo.fields[3]" or "hw_compat_10_1"
    fix_draft: str | None = None
    severity: Severity | None = None  # override the RuleSpec default
    confidence: str | None = None
    path: str | None = None  # override the change's path (e.g. hw/core/machine.c)
    fix_hint: str | None = None
    fix_edits: tuple[DraftEdit, ...] = ()  # where fix_draft goes in the head tree
    # C names of the vmsds whose devices carry what the hit reports, when the changed entity
    # is not one of them (a header #define or struct that sizes a field): the engine judges
    # reach by their types when the change itself gives none
    carriers: tuple[str, ...] = ()


_UNSET = FilesView(())


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a check() may read. Pure data; no I/O through it."""

    series: Series
    patch: Patch | None  # None when judging the folded series
    old_model: FileModel | None  # the file's old side (None: file added)
    new_model: FileModel | None  # the file's new side (None: file deleted)
    changes: tuple[EntityChange, ...]  # every change of this unit (all files), for cross-file
    old_tree: TreeView | None = None  # whole tree at base (None when no repo, e.g. fixtures)
    new_tree: TreeView | None = None  # whole tree at head
    version: str | None = None  # VERSION at head, e.g. "10.2.50"
    # The last release before the base (its tree filled with the unit's paths); None when
    # not known (no repository, no VERSION) or when the base is that release.
    release: ReleaseBaseline | None = None
    models: tuple[tuple[str, FileModel | None, FileModel | None], ...] = field(
        default_factory=tuple
    )  # (path, old, new) for every changed file of this unit
    # The unit's files per side, indexed (built from `models` unless the runner passes the
    # views it built once for the whole unit).
    old_files: FilesView = field(default_factory=lambda: _UNSET)
    new_files: FilesView = field(default_factory=lambda: _UNSET)

    def __post_init__(self) -> None:
        if self.old_files is _UNSET:
            object.__setattr__(self, "old_files", unit_files(self.models, "old", self.old_model))
        if self.new_files is _UNSET:
            object.__setattr__(self, "new_files", unit_files(self.models, "new", self.new_model))



def unit_files(
    models: tuple[tuple[str, FileModel | None, FileModel | None], ...],
    side: Literal["old", "new"],
    own: FileModel | None = None,
) -> FilesView:
    """The FilesView of one side of a unit's (path, old, new) rows (plus `own`)."""
    picked = [m for _, old, new in models if (m := old if side == "old" else new) is not None]
    if own is not None:
        picked.append(own)
    return FilesView((m.path, m) for m in picked)


CheckFn = Callable[[EntityChange, RuleContext], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: its spec, its check function and its documentation."""

    spec: RuleSpec
    check: CheckFn
    doc: str
