"""Pure entity diff of one file: old FileModel + new FileModel -> EntityChange tuple.

Entities are matched by a stable key (never by line), and an entity counts as modified only
when it differs once every line number is blanked out, so a patch that merely shifts code
produces no change at all.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from bot.diff.callargs import call_args
from bot.diff.changes import Entity, EntityChange, EntityKind
from bot.diff.fields import align_fields
from bot.model import entities
from bot.model.entities import (
    Allocation,
    CallSite,
    ClassInit,
    CompatArray,
    Define,
    FeatureMask,
    FileModel,
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

# Dataclass fields that only say *where* something is; blanked before comparing.
_POSITION_FIELDS = frozenset({"line", "end_line", "vmsd_line"})

E = TypeVar("E")


def _values_getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning the fields of a `cls` instance that are not positions."""
    names = [f.name for f in dataclasses.fields(cls) if f.name not in _POSITION_FIELDS]
    get = operator.attrgetter(*names)
    return (lambda v: (get(v),)) if len(names) == 1 else get


# Entity class -> its non-position fields.
_VALUES: Mapping[type, Callable[[Any], tuple[Any, ...]]] = MappingProxyType(
    {
        cls: _values_getter(cls)
        for cls in vars(entities).values()
        if isinstance(cls, type) and dataclasses.is_dataclass(cls)
    }
)


def _sans_lines(value: Any) -> Any:
    """A comparable form of `value` without position fields (recursively): plain tuples."""
    if isinstance(value, tuple):
        return tuple(_sans_lines(v) for v in value)
    values = _VALUES.get(type(value))
    if values is not None:
        return (type(value), *(_sans_lines(v) for v in values(value)))
    return value


def same_ignoring_lines(a: object, b: object) -> bool:
    """True when two entities are equal once line numbers are ignored."""
    return a == b or bool(_sans_lines(a) == _sans_lines(b))


def _vmsd_key(v: Vmsd) -> str:
    return v.c_name


def _type_key(t: TypeInfo) -> str:
    return t.name if t.name else t.c_name


def _class_init_key(c: ClassInit) -> str:
    return c.function


def _property_key(p: Property) -> str:
    return f"{p.array}.{p.name if p.name is not None else p.name_expr}"


def _compat_key(c: CompatArray) -> str:
    return c.name


def _registration_key(r: VmstateRegistration) -> str:
    return f"{r.call}({r.vmsd if r.vmsd is not None else r.vmsd_expr})@{r.function or '-'}"


# Creating calls of older trees and the call that replaced each (June 2020): a conversion
# pairs with the creation it rewrites instead of reading as one removed and one added.
MODERN_CREATE: dict[str, str] = {
    "qdev_create": "qdev_new",
    "qdev_try_create": "qdev_try_new",
    "isa_create": "isa_new",
    "isa_try_create": "isa_try_new",
    "pci_create": "pci_new",
    "pci_create_multifunction": "pci_new_multifunction",
    "usb_create": "usb_new",
    "i2c_create_slave": "i2c_slave_create_simple",
    "ssi_create_slave": "ssi_create_peripheral",
    "sysbus_try_create_simple": "sysbus_create_simple",
    "sysbus_try_create_varargs": "sysbus_create_varargs",
}


def _creation_key(c: ObjectCreation) -> str:
    target = c.type_name if c.type_name is not None else (c.type_expr or "?")
    return f"{MODERN_CREATE.get(c.call, c.call)}({target})@{c.function or '-'}"


def _call_key(c: CallSite) -> str:
    return f"{c.call}({', '.join(call_args(c))})@{c.function or '-'}"


def _array_key(a: InitializerArray) -> str:
    return a.name


def _alloc_key(a: Allocation) -> str:
    return f"{a.target}@{a.function or '-'}"


def _feature_mask_key(f: FeatureMask) -> str:
    # the bits and what is done to them, per function: a new condition or target is a
    # modification of the same statement
    return f"{f.op}{'|'.join(f.bits)}@{f.function}"


def _reject_gate_key(g: RejectGate) -> str:
    return f"{g.message or g.condition}@{g.function}"


def _ram_block_key(r: RamBlock) -> str:
    return f"{r.name if r.name is not None else r.name_expr}@{r.function}"


def _id_function_key(f: IdFunction) -> str:
    return f.function


def _define_key(d: Define) -> str:
    return d.name


def _struct_key(s: StructDef) -> str:
    return s.name


def _stream_key(s: StreamFunction) -> str:
    return s.name


def _hook_body_key(b: HookBody) -> str:
    return b.name


def _keyed(items: Iterable[E], key: Callable[[E], str]) -> list[tuple[str, E]]:
    """(key, entity) pairs; repeated keys get an occurrence suffix `#1`, `#2`, ..."""
    seen: dict[str, int] = {}
    out: list[tuple[str, E]] = []
    for item in items:
        k = key(item)
        n = seen.get(k, 0)
        seen[k] = n + 1
        out.append((k if n == 0 else f"{k}#{n}", item))
    return out


def _diff_kind(
    kind: EntityKind,
    path: str,
    old_path: str | None,
    old_items: Sequence[Entity],
    new_items: Sequence[Entity],
    key: Callable[[Any], str],
) -> list[EntityChange]:
    """Added / removed / modified changes of one entity kind."""
    old_keyed = _keyed(old_items, key)
    new_keyed = _keyed(new_items, key)
    old_map = dict(old_keyed)
    new_map = dict(new_keyed)
    out: list[EntityChange] = []
    for k, o in old_keyed:
        n = new_map.get(k)
        if n is None:
            out.append(EntityChange(kind, "removed", k, path, o, None, old_path))
        elif not same_ignoring_lines(o, n):
            fields = align_fields(o, n) if isinstance(o, Vmsd) and isinstance(n, Vmsd) else None
            out.append(EntityChange(kind, "modified", k, path, o, n, old_path, fields))
    for k, n in new_keyed:
        if k not in old_map:
            out.append(EntityChange(kind, "added", k, path, None, n, old_path))
    if kind == "call":
        return _pair_calls(out)
    if kind == "registration":
        return _pair_registrations(out)
    return out


def _pair_registrations(changes: list[EntityChange]) -> list[EntityChange]:
    """Pair a removed and an added vmstate_register* of one vmsd in one function into
    "modified": `vmstate_register()` <-> `vmstate_register_any()` changes the call (and so
    the key), not the section."""
    removed = [
        (c, c.old)
        for c in changes
        if c.op == "removed"
        and isinstance(c.old, VmstateRegistration)
        and c.old.vmsd
        and c.old.call.startswith("vmstate_register")
    ]
    added = [
        (c, c.new)
        for c in changes
        if c.op == "added"
        and isinstance(c.new, VmstateRegistration)
        and c.new.call.startswith("vmstate_register")
    ]
    pairs: dict[int, EntityChange] = {}
    used: set[int] = set()
    for r, o in removed:
        for a, n in added:
            if id(a) not in used and (n.vmsd, n.function) == (o.vmsd, o.function):
                used.add(id(a))
                pairs[id(r)] = pairs[id(a)] = dataclasses.replace(a, op="modified", old=o)
                break
    return _merge_pairs(changes, pairs)


def _equal_args(a: CallSite, b: CallSite) -> int:
    """How many arguments two calls have in common, position by position, each argument in
    its normalised form (`&s->dev` and `PCI_DEVICE(s)` are one device)."""
    return sum(1 for x, y in zip(call_args(a), call_args(b), strict=False) if x == y)


def _pair_calls(changes: list[EntityChange]) -> list[EntityChange]:
    """Pair a removed and an added call of one callee in one function into "modified".

    A call is keyed by its arguments, so changing one of them reads as removed + added.
    Calls are paired by the arguments they still share (the most first, then in source
    order): `pci_register_bar(d, 2, ...)` pairs with the BAR 2 call, not the first one.
    Calls that share no argument stay removed and added.
    """
    removed = [(c, c.old) for c in changes if c.op == "removed" and isinstance(c.old, CallSite)]
    added = [(c, c.new) for c in changes if c.op == "added" and isinstance(c.new, CallSite)]
    if not removed or not added:
        return changes
    scored: list[tuple[int, int, int]] = []
    for i, (_, o) in enumerate(removed):
        for j, (_, n) in enumerate(added):
            if o.call == n.call and o.function == n.function:
                score = _equal_args(o, n)
                if score:
                    scored.append((-score, i, j))
    pairs: dict[int, EntityChange] = {}
    used_r: set[int] = set()
    used_a: set[int] = set()
    for _, i, j in sorted(scored):
        if i in used_r or j in used_a:
            continue
        used_r.add(i)
        used_a.add(j)
        r, a = removed[i][0], added[j][0]
        pairs[id(r)] = pairs[id(a)] = dataclasses.replace(a, op="modified", old=r.old)
    return _merge_pairs(changes, pairs)


def _array_owners(m: FileModel, array: str) -> set[str]:
    """Names (type name, else its C name) of the types whose class_init installs `array`."""
    fns = {ci.function for ci in m.class_inits if array in ci.props}
    return {t.name or t.name_expr or t.c_name for t in m.types if t.class_init in fns}


def _pair_properties(
    changes: list[EntityChange], old: FileModel, new: FileModel
) -> list[EntityChange]:
    """Pair a removed and an added property of one name into "modified" when only its
    Property array was renamed: the old array is gone, the new one did not exist, and the same
    QOM type installs both (tpm_tis_properties -> tpm_tis_isa_properties of "tpm-tis",
    ca75c421731d). A property is keyed by array and name, so the rename alone would read as
    every property removed and a new one added without a compat entry."""
    old_arrays = {p.array for p in old.properties}
    new_arrays = {p.array for p in new.properties}
    owners: dict[tuple[str, str], set[str]] = {}

    def owned(side: str, m: FileModel, array: str) -> set[str]:
        k = (side, array)
        if k not in owners:
            owners[k] = _array_owners(m, array)
        return owners[k]

    removed = [
        c for c in changes
        if c.op == "removed" and isinstance(c.old, Property) and c.old.array not in new_arrays
    ]
    added = [
        c for c in changes
        if c.op == "added" and isinstance(c.new, Property) and c.new.array not in old_arrays
    ]
    pairs: dict[int, EntityChange] = {}
    used: set[int] = set()
    for r in removed:
        o = r.old
        assert isinstance(o, Property)
        for a in added:
            n = a.new
            assert isinstance(n, Property)
            same = o.name == n.name if o.name and n.name else o.name_expr == n.name_expr
            if id(a) in used or not same:
                continue
            if owned("old", old, o.array) & owned("new", new, n.array):
                used.add(id(a))
                pairs[id(r)] = pairs[id(a)] = dataclasses.replace(a, op="modified", old=o)
                break
    return _merge_pairs(changes, pairs)


def _merge_pairs(changes: list[EntityChange], pairs: dict[int, EntityChange]) -> list[EntityChange]:
    """`changes` with each paired removed/added change replaced by its one modified change."""
    out: list[EntityChange] = []
    seen: set[int] = set()
    for c in changes:
        p = pairs.get(id(c))
        if p is None:
            out.append(c)
        elif id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


# (kind, the file's entities of that kind, matching key), in reporting order.
_KINDS: tuple[
    tuple[EntityKind, Callable[[FileModel], Sequence[Entity]], Callable[[Any], str]], ...
] = (
    ("vmsd", lambda m: m.vmsds, _vmsd_key),
    ("type", lambda m: m.types, _type_key),
    ("class_init", lambda m: m.class_inits, _class_init_key),
    ("property", lambda m: m.properties, _property_key),
    ("compat_array", lambda m: m.compat_arrays, _compat_key),
    ("registration", lambda m: m.registrations, _registration_key),
    ("creation", lambda m: m.creations, _creation_key),
    ("call", lambda m: m.calls, _call_key),
    ("array", lambda m: m.arrays, _array_key),
    ("alloc", lambda m: m.allocations, _alloc_key),
    ("feature_mask", lambda m: m.feature_masks, _feature_mask_key),
    ("reject_gate", lambda m: m.reject_gates, _reject_gate_key),
    ("ram_block", lambda m: m.ram_blocks, _ram_block_key),
    ("id_function", lambda m: m.id_functions, _id_function_key),
    ("define", lambda m: m.defines, _define_key),
    ("struct", lambda m: m.structs, _struct_key),
    ("stream", lambda m: m.streams, _stream_key),
    ("hook_body", lambda m: m.hook_bodies, _hook_body_key),
)

# machine_setting changes come from bot.diff.machinesettings (they need the file's text)
KIND_ORDER: tuple[EntityKind, ...] = (
    *(k for k, _, _ in _KINDS),
    "machine_setting",
    "board",
    "load_hook",
)


def diff_models(
    path: str,
    old: FileModel | None,
    new: FileModel | None,
    old_path: str | None = None,
) -> tuple[EntityChange, ...]:
    """Entity changes between two versions of one file (None side = file added/deleted)."""
    if old_path is None and old is not None and old.path and old.path != path:
        old_path = old.path
    out: list[EntityChange] = []
    for kind, items, key in _KINDS:
        old_items = items(old) if old is not None else ()
        new_items = items(new) if new is not None else ()
        if not old_items and not new_items:
            continue
        if old_items == new_items:
            continue  # identical including lines: nothing to do, skip the stripping
        changes = _diff_kind(kind, path, old_path, old_items, new_items, key)
        if kind == "property" and old is not None and new is not None:
            changes = _pair_properties(changes, old, new)
        out.extend(changes)
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    out.sort(key=lambda c: (rank[c.kind], c.line, c.key, c.op))
    return tuple(out)
