"""What a rule is (RuleSpec), what it returns (Hit) and what it may look at (RuleContext)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.diff.changes import EntityChange
from bot.findings import Category, Severity
from bot.model.entities import CompatArray, FileModel, Property, TypeInfo, Vmsd
from bot.series import Patch, Series


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


class TreeView(Protocol):
    """Whole-tree facts at one revision (built by bot.index from cached FileModels)."""

    def resolve_define(self, name: str) -> str | None:
        """The string a TYPE_*/name macro expands to anywhere in the tree."""
        ...

    def type_by_name(self, name: str) -> TypeInfo | None:
        """The TypeInfo registering this QOM type name."""
        ...

    def type_ancestors(self, name: str) -> tuple[str, ...]:
        """Parent chain of a type name, nearest first (excluding itself)."""
        ...

    def type_descendants(self, name: str) -> tuple[str, ...]:
        """All type names that have `name` as an ancestor."""
        ...

    def types_for_vmsd(self, vmsd_c_name: str) -> tuple[str, ...]:
        """QOM type names whose class_init sets dc->vmsd to this vmsd (incl. subclasses)."""
        ...

    def vmsd_of_type(self, type_name: str) -> str | None:
        """C name of the vmsd the type's (or nearest ancestor's) class_init sets as dc->vmsd."""
        ...

    def vmsd_containers(self, vmsd_c_name: str) -> tuple[str, ...]:
        """C names of vmsds that use this vmsd as a nested struct or as a subsection."""
        ...

    def vmsd(self, c_name: str) -> Vmsd | None:
        """A vmsd definition by C name anywhere in the tree."""
        ...

    def vmsd_path(self, c_name: str) -> str | None:
        """File defining that vmsd."""
        ...

    def properties_of_type(self, type_name: str) -> tuple[Property, ...]:
        """Properties the type's own class_init installs (not inherited)."""
        ...

    def compat_arrays(self) -> tuple[tuple[str, CompatArray], ...]:
        """(path, array) for every GlobalProperty array in the tree."""
        ...

    def on_versioned_machine(self, type_name: str) -> bool:
        """Whether a device of this type can appear on a versioned machine type."""
        ...

    def file_model(self, path: str) -> FileModel | None:
        """The cached model of one file at this revision."""
        ...


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
    models: tuple[tuple[str, FileModel | None, FileModel | None], ...] = field(
        default_factory=tuple
    )  # (path, old, new) for every changed file of this unit


CheckFn = Callable[[EntityChange, RuleContext], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: its spec, its check function and its documentation."""

    spec: RuleSpec
    check: CheckFn
    doc: str
