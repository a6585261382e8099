"""EntityChange: one entity added, removed or modified between two sides of a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.diff.fields import FieldDiff
from bot.model.entities import (
    Allocation,
    CallSite,
    ClassInit,
    CompatArray,
    Define,
    FeatureMask,
    HookBody,
    IdFunction,
    InitializerArray,
    ObjectCreation,
    Property,
    RamBlock,
    RejectGate,
    StreamFunction,
    StructDef,
    TypeInfo,
    Vmsd,
    VmstateRegistration,
)
from bot.model.machinesettings import MachineSetting

Entity = (
    Vmsd
    | TypeInfo
    | ClassInit
    | Property
    | CompatArray
    | VmstateRegistration
    | ObjectCreation
    | CallSite
    | InitializerArray
    | Allocation
    | FeatureMask
    | RejectGate
    | RamBlock
    | IdFunction
    | Define
    | StructDef
    | StreamFunction
    | HookBody
    | MachineSetting
)
EntityKind = Literal[
    "vmsd",
    "type",
    "class_init",
    "property",
    "compat_array",
    "registration",
    "creation",
    "call",
    "array",
    "alloc",
    "feature_mask",
    "reject_gate",
    "ram_block",
    "id_function",
    "define",
    "struct",
    "stream",
    "hook_body",
    "machine_setting",
    "board",
    "load_hook",
]
Op = Literal["added", "removed", "modified"]


@dataclass(frozen=True, slots=True)
class EntityChange:
    """A change of one entity; `old`/`new` are None for added/removed."""

    kind: EntityKind
    op: Op
    key: str  # stable identity within the file: c_name, type name, array name, ...
    path: str  # file path (new path when renamed)
    old: Entity | None
    new: Entity | None
    old_path: str | None = None
    fields: FieldDiff | None = None  # a modified vmsd: how its payload fields line up

    @property
    def line(self) -> int:
        """Line to anchor on: the new entity's line, else the old one's."""
        ent = self.new if self.new is not None else self.old
        return ent.line if ent is not None else 1

    @property
    def side(self) -> str:
        """'new' when the new entity exists, else 'old'."""
        return "new" if self.new is not None else "old"
