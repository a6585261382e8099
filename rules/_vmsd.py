"""Shared helpers for the VMSD rules (MIG001-MIG015). Not a rule: no RULE, no check().

Everything here is pure: it reads the entities of a RuleContext and returns plain data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from bot.diff.changes import EntityChange
from bot.engine.spec import RuleContext
from bot.model.entities import FileModel, FunctionInfo, Vmsd, VmstateField

Side = Literal["old", "new"]

# Struct types that opaque pointers are routinely cast to although the fields name a subtype
# (QOM parents embedded as the first member): a cast to one of these is not a mismatch.
GENERIC_PARENT_TYPES = frozenset(
    {
        "void",
        "Object",
        "DeviceState",
        "SysBusDevice",
        "PCIDevice",
        "PCIBridge",
        "PCIESlot",
        "PCIEPort",
        "ISADevice",
        "VirtIODevice",
        "VirtioDeviceClass",
        "I2CSlave",
        "SSIPeripheral",
        "USBDevice",
        "CPUState",
        "BusState",
        "HIDState",
    }
)

# Macros whose second argument is not the containing (opaque) struct.
_NON_OPAQUE_STRUCT_MACROS = ("VMSTATE_WITH_TMP",)


def vmsd_change(change: EntityChange) -> tuple[Vmsd | None, Vmsd | None]:
    """(old, new) Vmsd of a vmsd change; (None, None) for other kinds."""
    if change.kind != "vmsd":
        return None, None
    old = change.old if isinstance(change.old, Vmsd) else None
    new = change.new if isinstance(change.new, Vmsd) else None
    return old, new


def wire_name(v: Vmsd) -> str:
    """The name the vmsd has on the wire (resolved `.name`), else its expression, else C name."""
    return v.name or v.name_expr or v.c_name


def field_label(f: VmstateField) -> str:
    """Short human name of a field: its C member, else its -dump-vmstate name."""
    return f.c_field or f.name or f.macro


def field_entity(v: Vmsd, f: VmstateField) -> str:
    """Stable entity id for a field (name based so that inserted fields do not shift it)."""
    return f"{v.c_name}.fields[{field_label(f)}]"


def field_key(f: VmstateField) -> str:
    """Identity used to align the fields of two versions of one vmsd."""
    if f.is_unused:
        return f"{f.macro}({','.join(f.args)})"
    if f.c_field:
        return f.c_field
    return f"{f.macro}({','.join(f.args)})"


def norm_type(t: str | None) -> str | None:
    """A C type name without `struct `, `const`, `*` and whitespace."""
    if t is None:
        return None
    t = re.sub(r"\b(const|volatile|struct|union)\b", " ", t)
    t = t.replace("*", " ")
    t = " ".join(t.split())
    return t or None


def size_text(n: int | None) -> str:
    """'4 bytes' / 'an unknown number of bytes'."""
    if n is None:
        return "an unknown number of bytes"
    return "1 byte" if n == 1 else f"{n} bytes"


# ---------------------------------------------------------------------------------------
# Lookups across the files of the unit and the trees


def side_model(ctx: RuleContext, side: Side) -> FileModel | None:
    """The model of the change's file on one side."""
    return ctx.old_model if side == "old" else ctx.new_model


def side_models(ctx: RuleContext, side: Side) -> list[FileModel]:
    """Every model of this unit on one side, the change's own file first."""
    own = side_model(ctx, side)
    files = ctx.old_files if side == "old" else ctx.new_files
    return [m for _, m in files.models(own.path if own is not None else None)]


def lookup_vmsd(ctx: RuleContext, c_name: str, side: Side) -> tuple[Vmsd, str | None] | None:
    """(vmsd, path) of a vmsd C name on one side: the unit's files first, then the tree."""
    own = side_model(ctx, side)
    files = ctx.old_files if side == "old" else ctx.new_files
    found = files.vmsd(c_name, own.path if own is not None else None)
    if found is not None:
        return found[1], found[0]
    tree = ctx.old_tree if side == "old" else ctx.new_tree
    if tree is not None:
        v = tree.vmsd(c_name)
        if v is not None:
            return v, tree.vmsd_path(c_name)
    return None


@dataclass(frozen=True, slots=True)
class Uses:
    """How a vmsd is referenced on one side (as far as the unit's files and tree tell)."""

    subsection_of: tuple[Vmsd, ...] = ()
    nested_in: tuple[Vmsd, ...] = ()
    top_level: bool = False

    @property
    def nested_only(self) -> bool:
        """Used via VMSTATE_STRUCT & co. and nowhere else we can see: not on the wire."""
        return bool(self.nested_in) and not self.subsection_of and not self.top_level

    @property
    def is_subsection(self) -> bool:
        """Listed in some parent's `.subsections`."""
        return bool(self.subsection_of)


def vmsd_uses(ctx: RuleContext, c_name: str, side: Side) -> Uses:
    """Where a vmsd is used: as a subsection, nested in a struct field, or as a section."""
    own = side_model(ctx, side)
    files = ctx.old_files if side == "old" else ctx.new_files
    own_path = own.path if own is not None else None
    subs = list(files.subsection_parents(c_name, own_path))
    nested = list(files.nested_parents(c_name, own_path))
    top = files.is_top_level(c_name)
    tree = ctx.old_tree if side == "old" else ctx.new_tree
    if tree is not None:
        if tree.types_for_vmsd(c_name):
            top = True
        # Users outside the unit's files: the transitive embedders; keep the direct ones.
        known = {v.c_name for v in (*subs, *nested)}
        for c in tree.vmsd_containers(c_name):
            user = tree.vmsd(str(c))
            if user is None or user.c_name in known or user.c_name == c_name:
                continue
            if c_name in user.subsections:
                subs.append(user)
            elif any(f.vmsd_ref == c_name for f in user.fields):
                nested.append(user)
    return Uses(tuple(subs), tuple(nested), top)


def qom_type_for_vmsd(ctx: RuleContext, c_name: str) -> str | None:
    """A QOM type name whose class sets dc->vmsd to this vmsd (new side), if known."""
    if ctx.new_tree is not None:
        names = ctx.new_tree.types_for_vmsd(c_name)
        if names:
            return names[0]
    for m in side_models(ctx, "new"):
        fns = {ci.function for ci in m.class_inits if ci.vmsd == c_name}
        for t in m.types:
            if t.class_init in fns and t.name:
                return t.name
    return None


def compat_array_name(ctx: RuleContext) -> str:
    """`hw_compat_X_Y` for the newest released version before the one being developed."""
    ver = ctx.version or ctx.series.head_version or ctx.series.base_version
    if ver:
        m = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", ver)
        if m:
            major, minor, micro = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if micro >= 50:  # development tree of the next release: X.Y is the last release
                return f"hw_compat_{major}_{minor}"
            if minor > 0:
                return f"hw_compat_{major}_{minor - 1}"
    return "hw_compat_<previous release>"


# ---------------------------------------------------------------------------------------
# Opaque type and function facts


def opaque_decl(v: Vmsd) -> str | None:
    """The opaque type as written in the fields, for C drafts (keeps a `struct ` prefix)."""
    t = opaque_type(v)
    if t is None:
        return None
    for f in v.payload_fields:
        if f.struct and norm_type(f.struct) == t:
            return " ".join(f.struct.replace("*", " ").replace("const", " ").split())
    return t


def opaque_type(v: Vmsd) -> str | None:
    """The struct the vmsd's opaque points to: the strict majority of its fields' structs."""
    counts: Counter[str] = Counter()
    for f in v.payload_fields:
        if f.macro.startswith(_NON_OPAQUE_STRUCT_MACROS):
            continue
        t = norm_type(f.struct)
        if t:
            counts[t] += 1
    if not counts:
        return None
    (best, n), *rest = counts.most_common()
    total = sum(counts.values())
    if rest and rest[0][1] == n:
        return None
    if n * 2 <= total:
        return None
    return best


def function_facts(model: FileModel | None, name: str) -> FunctionInfo | None:
    """Facts about a function defined in this file (None when unknown to the model)."""
    if model is None:
        return None
    for fi in model.function_infos:
        if fi.name == name:
            return fi
    return None


def has_function_infos(model: FileModel | None) -> bool:
    """Whether the model carries function facts at all (older extractors do not)."""
    return model is not None and bool(model.function_infos)


def function_funcs_of(v: Vmsd) -> Iterator[tuple[str, str, VmstateField | None]]:
    """(role, function name, field) for every hook and every `_TEST` predicate of a vmsd."""
    for member, fn in v.hooks:
        yield member, fn, None
    for f in v.payload_fields:
        if f.test:
            yield "test", f.test, f


# ---------------------------------------------------------------------------------------
# Field alignment


@dataclass(frozen=True, slots=True)
class Replacement:
    """Old fields whose place was taken by VMSTATE_UNUSED placeholders."""

    old: tuple[VmstateField, ...]
    new: tuple[VmstateField, ...]


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """How the payload fields of two versions of one vmsd line up."""

    pairs: tuple[tuple[VmstateField, VmstateField], ...]  # same slot (same key or positional)
    added: tuple[VmstateField, ...]
    removed: tuple[VmstateField, ...]
    moved: tuple[tuple[VmstateField, VmstateField], ...]  # same key, other relative position
    replaced: tuple[Replacement, ...]


def _align_block(
    olds: tuple[VmstateField, ...],
    news: tuple[VmstateField, ...],
    pairs: list[tuple[VmstateField, VmstateField]],
    added: list[VmstateField],
    removed: list[VmstateField],
) -> None:
    """Second pass over a replaced run of unequal length: pair renamed fields by macro."""
    sm = SequenceMatcher(None, [f.macro for f in olds], [f.macro for f in news], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(olds[i1:i2], news[j1:j2], strict=True))
        else:
            removed.extend(olds[i1:i2])
            added.extend(news[j1:j2])


def resolve_count(ctx: RuleContext, f: VmstateField, side: Side) -> int | None:
    """The element count of a field, resolving a macro through the tree when needed."""
    if f.count_value is not None or f.count is None:
        return f.count_value
    tree = ctx.old_tree if side == "old" else ctx.new_tree
    if tree is None or not re.fullmatch(r"[A-Za-z_]\w*", f.count):
        return None
    raw = tree.resolve_define(f.count)
    if raw is None:
        return None
    try:
        return int(raw.strip("() "), 0)
    except ValueError:
        return None


def diff_fields(old: Vmsd, new: Vmsd) -> FieldDiff:
    """Align the payload fields (END_OF_LIST and VALIDATE excluded) of two vmsd versions."""
    of = old.payload_fields
    nf = new.payload_fields
    ok = [field_key(f) for f in of]
    nk = [field_key(f) for f in nf]
    pairs: list[tuple[VmstateField, VmstateField]] = []
    added: list[VmstateField] = []
    removed: list[VmstateField] = []
    replaced: list[Replacement] = []
    sm = SequenceMatcher(None, ok, nk, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(of[i1:i2], nf[j1:j2], strict=True))
        elif tag == "delete":
            removed.extend(of[i1:i2])
        elif tag == "insert":
            added.extend(nf[j1:j2])
        else:
            olds, news = of[i1:i2], nf[j1:j2]
            if all(f.is_unused for f in news) and not all(f.is_unused for f in olds):
                replaced.append(Replacement(tuple(olds), tuple(news)))
            elif len(olds) == len(news):
                pairs.extend(zip(olds, news, strict=True))
            else:
                _align_block(olds, news, pairs, added, removed)
    moved: list[tuple[VmstateField, VmstateField]] = []
    added_by_key: dict[str, list[VmstateField]] = {}
    for f in added:
        added_by_key.setdefault(field_key(f), []).append(f)
    still_removed: list[VmstateField] = []
    for f in removed:
        cands = added_by_key.get(field_key(f))
        if f.c_field and not f.is_unused and cands:
            moved.append((f, cands.pop(0)))
        else:
            still_removed.append(f)
    moved_new = {id(n) for _, n in moved}
    return FieldDiff(
        pairs=tuple(pairs),
        added=tuple(f for f in added if id(f) not in moved_new),
        removed=tuple(still_removed),
        moved=tuple(moved),
        replaced=tuple(replaced),
    )


def introduced_fields(old: Vmsd | None, new: Vmsd) -> list[VmstateField]:
    """Fields of `new` that the change added or altered (all of them for a new vmsd)."""
    if old is None:
        return list(new.payload_fields)
    d = diff_fields(old, new)
    out = list(d.added)
    out.extend(n for o, n in d.pairs if not same_field(o, n))
    out.extend(n for _, n in d.moved)
    for r in d.replaced:
        out.extend(r.new)
    return out


def same_field(a: VmstateField, b: VmstateField) -> bool:
    """Equal apart from the line."""
    return (
        a.macro == b.macro
        and a.args == b.args
        and a.vmsd_ref == b.vmsd_ref
        and a.count_value == b.count_value
        and a.elem_size == b.elem_size
    )


def as_test_field(f: VmstateField, fn: str) -> str:
    """The field written as its `_TEST(fn)` macro variant (`VMSTATE_UINT32_TEST(x, S, fn),`)."""
    if f.macro.endswith("_V"):
        macro, args = f.macro[:-2] + "_TEST", list(f.args[:-1])
    elif f.macro.endswith("_TEST"):
        macro, args = f.macro, list(f.args[:-1])
    else:
        macro, args = f.macro + "_TEST", list(f.args)
    args.append(fn)
    return f"        {macro}({', '.join(args)}),"


def sum_wire(fields: Iterable[VmstateField]) -> int | None:
    """Total wire size of several fields; None when any of them is not fixed."""
    total = 0
    for f in fields:
        w = f.wire_size
        if w is None:
            return None
        total += w
    return total


def wire_reset(ctx: RuleContext, old: Vmsd, new: Vmsd) -> str | None:
    """Why old streams can no longer meet this layout at all, if they cannot.

    A renamed section/subsection is a different entity on the wire (MIG021/MIG005 report the
    rename), and a `minimum_version_id` above the old `version_id` makes the destination refuse
    every old stream cleanly before any field is read (MIG004 reports it). Field-level layout
    findings are moot then.
    """
    if old.unmigratable or new.unmigratable:
        return "unmigratable"  # no stream exists to break (MIG020-style rules cover toggling)
    if vmsd_uses(ctx, new.c_name, "new").nested_only:
        return None
    if old.name is not None and new.name is not None and old.name != new.name:
        return "renamed"
    if (
        old.version_id is not None
        and new.minimum_version_id is not None
        and new.minimum_version_id > old.version_id
    ):
        return "minimum-version-raised"
    return None


def label_list(fields: Iterable[VmstateField], limit: int = 4) -> str:
    """'a', 'b' and 3 more."""
    names = [f"'{field_label(f)}'" for f in fields]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def changed_vmsd_keys(ctx: RuleContext) -> set[str]:
    """C names of vmsds that are added or modified anywhere in this unit."""
    return {c.key for c in ctx.changes if c.kind == "vmsd" and c.op in ("added", "modified")}
