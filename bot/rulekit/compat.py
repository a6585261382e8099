"""Compat arrays: which hw_compat_X_Y an entry goes into, which entries a unit adds, matching.

The one version rule (documented for users in rules/compat_property_missing.py), from
VERSION = `X.Y.Z`:

- `X.Y.50` (development of the next release) and `X.Y.9n` (its release candidates): X.Y is
  the last release. The newest array is `hw_compat_X_Y` (created by this cycle's "add
  machine types" patch) and a change made now goes into it.
- `X.Y.0` (the release itself) and `X.Y.z` (a stable release of X.Y): the tree's newest array
  is the previous release's (`hw_compat_10_1` for 10.2.0), while a change made now lands in
  the next cycle, whose array is `hw_compat_X_Y`.

Without VERSION the highest-numbered hw_compat array seen in the unit or the tree is both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.spec import RuleContext
from bot.model.entities import CompatArray, CompatEntry, Property, TypeInfo
from bot.rulekit.ctx import Side, models, norm, parse_version, tree

_COMPAT_NAME = re.compile(r"^(?P<prefix>\w*?_compat)_(?P<maj>\d+)_(?P<min>\d+)$")


@dataclass(frozen=True, slots=True)
class EntryAt:
    """A compat entry with the array and file it sits in."""

    path: str
    array: CompatArray
    entry: CompatEntry


def array_version(arr: CompatArray) -> tuple[int, int] | None:
    """(major, minor) of a compat array, from the model or its name."""
    if arr.version is not None:
        return arr.version
    m = _COMPAT_NAME.match(arr.name)
    return (int(m.group("maj")), int(m.group("min"))) if m else None


@dataclass(frozen=True, slots=True)
class CompatVersions:
    """For one VERSION: the newest hw_compat array in the tree, and where a new entry goes."""

    newest: tuple[int, int]
    target: tuple[int, int]


def next_release(ver: tuple[int, int] | None) -> tuple[int, int] | None:
    """The release after X.Y: 1.7, 2.0 … 2.12, 3.0, 3.1, then X.0, X.1, X.2 from 4.0 on."""
    if ver is None:
        return None
    major, minor = ver
    if major == 1 and minor >= 7:
        return 2, 0
    if major <= 2:
        return (3, 0) if minor >= 12 else (major, minor + 1)
    if major == 3:
        return (4, 0) if minor >= 1 else (3, minor + 1)
    return (major + 1, 0) if minor >= 2 else (major, minor + 1)


def previous_release(ver: tuple[int, int]) -> tuple[int, int]:
    """The release before X.Y (inverse of next_release; 1.7 came before 2.0)."""
    major, minor = ver
    if minor > 0:
        return major, minor - 1
    if major >= 5:
        return major - 1, 2
    return {4: (3, 1), 3: (2, 12), 2: (1, 7)}.get(major, (major - 1, 0))


def compat_versions(version: str | None) -> CompatVersions | None:
    """The newest hw_compat array and the target of a new entry for a VERSION text."""
    v = parse_version(version)
    if v is None:
        return None
    release = (v[0], v[1])
    if v[2] >= 50:  # development of the next release, or its release candidates
        return CompatVersions(newest=release, target=release)
    # a release or a stable release of it: the next cycle's array is this release's
    return CompatVersions(newest=previous_release(release), target=release)


def _highest_hw_compat(ctx: RuleContext) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for _, arr in all_entries_arrays(ctx, "new"):
        ver = array_version(arr)
        if arr.name.startswith("hw_compat_") and ver is not None and (best is None or ver > best):
            best = ver
    return best


def compat_target(ctx: RuleContext) -> tuple[int, int] | None:
    """The version of the compat array an entry added by this unit must go into."""
    cv = compat_versions(ctx.version or ctx.series.head_version or ctx.series.base_version)
    return cv.target if cv is not None else _highest_hw_compat(ctx)


def compat_array(ctx: RuleContext) -> str:
    """`hw_compat_X_Y` an entry added by this unit must go into (`hw_compat_X_Y` if unknown)."""
    return compat_name(compat_target(ctx))


def compat_name(ver: tuple[int, int] | None, prefix: str = "hw_compat") -> str:
    """`hw_compat_10_2` for (10, 2); `hw_compat_X_Y` when unknown."""
    return f"{prefix}_{ver[0]}_{ver[1]}" if ver else f"{prefix}_X_Y"


def all_entries_arrays(ctx: RuleContext, side: Side) -> list[tuple[str, CompatArray]]:
    """(path, array) for every compat array of one side: unit files first, then the tree."""
    out: list[tuple[str, CompatArray]] = []
    seen: set[str] = set()
    for p, m in models(ctx, side):
        seen.add(p)
        out.extend((p, a) for a in m.compat_arrays)
    t = tree(ctx, side)
    if t is not None:
        out.extend((p, a) for p, a in t.compat_arrays() if p not in seen)
    return out


def all_entries(ctx: RuleContext, side: Side) -> list[EntryAt]:
    """Every compat entry of one side."""
    return [EntryAt(p, a, e) for p, a in all_entries_arrays(ctx, side) for e in a.entries]


def _ekey(e: CompatEntry) -> tuple[str, str, str]:
    return (norm(e.driver_expr), norm(e.property_expr), norm(e.value_expr))


def added_entries(ctx: RuleContext) -> list[EntryAt]:
    """Entries the unit adds: in a new-side array but not in the same array on the old side."""
    out: list[EntryAt] = []
    for ch in ctx.changes:
        if ch.kind != "compat_array" or not isinstance(ch.new, CompatArray):
            continue
        old_keys = {_ekey(e) for e in ch.old.entries} if isinstance(ch.old, CompatArray) else set()
        out.extend(EntryAt(ch.path, ch.new, e) for e in ch.new.entries if _ekey(e) not in old_keys)
    return out


def removed_entries(ctx: RuleContext) -> list[EntryAt]:
    """Entries the unit removes from an array."""
    out: list[EntryAt] = []
    for ch in ctx.changes:
        if ch.kind != "compat_array" or not isinstance(ch.old, CompatArray):
            continue
        new_keys = {_ekey(e) for e in ch.new.entries} if isinstance(ch.new, CompatArray) else set()
        out.extend(EntryAt(ch.path, ch.old, e) for e in ch.old.entries if _ekey(e) not in new_keys)
    return out


def entry_driver(e: CompatEntry) -> str:
    """The driver as written or resolved: "virtio-net-device" or TYPE_VIRTIO_NET."""
    return e.driver if e.driver else norm(e.driver_expr).strip('"')


def entry_property(e: CompatEntry) -> str:
    """The property name, resolved or raw without quotes."""
    return e.property if e.property else norm(e.property_expr).strip('"')


def type_names(ctx: RuleContext, owners: list[TypeInfo], side: Side = "new") -> set[str]:
    """Names and TYPE_* expressions that denote the owner types, plus ancestors (tree)."""
    out: set[str] = set()
    for t in owners:
        if t.name:
            out.add(t.name)
        if t.name_expr:
            out.add(norm(t.name_expr).strip('"'))
    tv = tree(ctx, side)
    if tv is not None:
        for t in owners:
            if t.name:
                out.update(tv.type_ancestors(t.name))
    return out


def descendant_names(ctx: RuleContext, owners: list[TypeInfo], side: Side = "new") -> set[str]:
    """Subtype names of the owners (tree, else the unit's files)."""
    out: set[str] = set()
    tv = tree(ctx, side)
    owner_keys = set()
    for t in owners:
        if t.name:
            owner_keys.add(t.name)
        if t.name_expr:
            owner_keys.add(norm(t.name_expr))
        if tv is not None and t.name:
            out.update(tv.type_descendants(t.name))
    for _, m in models(ctx, side):
        for t in m.types:
            if (t.parent and t.parent in owner_keys) or (
                t.parent_expr and norm(t.parent_expr) in owner_keys
            ):
                name = t.name or (norm(t.name_expr) if t.name_expr else None)
                if name:
                    out.add(name)
    return out


def find_entries_for(
    ctx: RuleContext, drivers: set[str], prop: str, version: tuple[int, int] | None
) -> list[EntryAt]:
    """New-side entries naming one of `drivers` and `prop` (in arrays of `version` if given)."""
    out: list[EntryAt] = []
    for ea in all_entries(ctx, "new"):
        if entry_property(ea.entry) != prop or entry_driver(ea.entry) not in drivers:
            continue
        if version is not None and array_version(ea.array) != version:
            continue
        out.append(ea)
    return out


_TRUE = {"true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no"}


def type_family(ctx: RuleContext, types: Iterable[str]) -> set[str]:
    """The types with every ancestor and subtype the new tree knows: a compat entry on any of
    them reaches a device of one of the types."""
    out = set(types)
    t = tree(ctx, "new")
    if t is not None:
        for name in list(out):
            out.update(t.type_ancestors(name))
            out.update(t.type_descendants(name))
    return out


def entry_covers(
    ctx: RuleContext, drivers: set[str], prop: str, newest: tuple[int, int] | None
) -> bool:
    """Whether the newest compat array has an entry for `prop` on one of `drivers`, or the
    series adds one in another array (MIG031 judges that one)."""
    if find_entries_for(ctx, drivers, prop, newest):
        return True
    return any(
        entry_driver(ea.entry) in drivers and entry_property(ea.entry) == prop
        for ea in added_entries(ctx)
    )


def truthy(value: str | None) -> bool | None:
    """True/False for boolean-looking default texts, None otherwise."""
    v = norm(value).lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


_SENTINEL = re.compile(r"(^|_)(UNSET|NONE|INVALID|UNDEFINED)($|_)", re.I)


def trivial_default(value: str | None) -> bool:
    """A default that keeps old behaviour for a brand-new property.

    Absent, false, 0, NULL, "", -1 and "not set" sentinels (CPU_UNSET_NUMA_NODE_ID ...).
    """
    v = norm(value).lower()
    if v in {"", "false", "off", "0", "0u", "0ul", "0ull", "null", '""', "no", "-1"}:
        return True
    return bool(_SENTINEL.search(norm(value)))


def compat_value(prop: Property, old_default: str | None) -> str | None:
    """The string a GlobalProperty needs to restore `old_default` for this property (None
    when the old value is not known: a new property that is not a bool, an expression)."""
    is_bit = prop.macro.startswith("DEFINE_PROP_BIT")
    b = truthy(old_default)
    if b is not None:
        if is_bit:
            return "on" if b else "off"
        return "true" if b else "false"
    if old_default is None:
        if is_bit:
            return "off"
        return "false" if prop.macro == "DEFINE_PROP_BOOL" else None
    v = norm(old_default)
    if v.startswith('"') and v.endswith('"'):
        return v[1:-1]
    m = re.fullmatch(r"ON_OFF_AUTO_(ON|OFF|AUTO)", v)
    if m:
        return m.group(1).lower()
    if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)[uUlL]*", v):
        return str(int(v.rstrip("uUlL"), 0))
    return None


def compat_line(driver: str, prop: str, value: str) -> str:
    """One GlobalProperty initializer line; a TYPE_* macro stays unquoted."""
    drv = driver if re.fullmatch(r"[A-Z_][A-Z0-9_]*|/\*.*", driver) else f'"{driver}"'
    return f'{{ {drv}, "{prop}", "{value}" }},'
