"""Look-ups and words about vmsds for rules: how a vmsd is used, its opaque type, labels.

Pure: everything reads a RuleContext (the unit's FilesViews and TreeViews) and returns plain
data. Field alignment itself is the diff's (`EntityChange.fields`, bot.diff.fields).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.diff.changes import EntityChange
from bot.engine.spec import RuleContext
from bot.model import cscan
from bot.model.entities import FileModel, FunctionInfo, StructDef, StructMember, Vmsd, VmstateField
from bot.model.macros import VMSTATE_MACROS, arg_roles
from bot.rulekit.ctx import Side, find_vmsd, own_path, tree, unit_files
from bot.rulekit.layout import int_lookup

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


def vmsd_label(v: Vmsd) -> str:
    """What to call a vmsd in a message: its wire `.name`, else its expression, else C name."""
    return v.name or v.name_expr or v.c_name


def field_label(f: VmstateField) -> str:
    """Short human name of a field: its C member, else its -dump-vmstate name."""
    return f.label


def field_entity(v: Vmsd, f: VmstateField) -> str:
    """Stable entity id for a field (name based so that inserted fields do not shift it)."""
    return f"{v.c_name}.fields[{field_label(f)}]"


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


def introduced_fields(change: EntityChange) -> tuple[VmstateField, ...]:
    """Fields of the new vmsd that the change added or altered (all of them when added)."""
    _, new = vmsd_change(change)
    if new is None:
        return ()
    if change.fields is None:
        return new.payload_fields if change.op == "added" else ()
    return change.fields.introduced()


# ---- how a vmsd is used ---------------------------------------------------------------------


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
    files = unit_files(ctx, side)
    own = own_path(ctx, side)
    subs = list(files.subsection_parents(c_name, own))
    nested = list(files.nested_parents(c_name, own))
    top = files.is_top_level(c_name)
    t = tree(ctx, side)
    if t is not None:
        if t.types_for_vmsd(c_name):
            top = True
        # Users outside the unit's files: the transitive embedders; keep the direct ones.
        # The direct users the C linkage allows: not another file's static namesake's.
        known = {v.c_name for v in (*subs, *nested)}
        for _, user in t.vmsd_users(c_name, own):
            if user.c_name in known or user.c_name == c_name:
                continue
            known.add(user.c_name)
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
    for _, m in unit_files(ctx, "new").models(own_path(ctx, "new")):
        fns = {ci.function for ci in m.class_inits if ci.vmsd == c_name}
        for t in m.types:
            if t.class_init in fns and t.name:
                return t.name
    return None


def changed_vmsd_keys(ctx: RuleContext) -> set[str]:
    """C names of vmsds that are added or modified anywhere in this unit."""
    return {c.key for c in ctx.changes if c.kind == "vmsd" and c.op in ("added", "modified")}


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


def same_wire_fields(ctx: RuleContext, old: Vmsd, new: Vmsd) -> bool:
    """Whether the change only regroups fields into (or out of) `VMSTATE_STRUCT`s: with every
    plain struct field replaced by the fields of its nested vmsd, both sides send the same
    sequence of fixed-size fields (member, kind, size, field version, test). A nested vmsd
    without subsections adds no bytes of its own, so `u8 apmc, u8 apms` and
    `VMSTATE_STRUCT(apm, ..., vmstate_apm, APMState)` over `u8 apmc, u8 apms` are the same
    stream."""
    o = _wire_leaves(ctx, old.payload_fields, "old", 0)
    n = _wire_leaves(ctx, new.payload_fields, "new", 0)
    if o is None or n is None or o[1] + n[1] == 0:
        return False
    return o[0] == n[0]


_WireLeaf = tuple[str | None, str, int | str, int, str | None]


def _wire_leaves(
    ctx: RuleContext, fields: tuple[VmstateField, ...], side: Side, depth: int
) -> tuple[list[_WireLeaf], int] | None:
    """(leaves, structs expanded) of a field list; a field whose size the source does not
    fix stands for itself (macro and count), so it only matches the same field."""
    out: list[_WireLeaf] = []
    expanded = 0
    for f in fields:
        nested = _plain_struct(ctx, f, side) if depth < 3 else None
        if nested is not None:
            sub = _wire_leaves(ctx, nested.payload_fields, side, depth + 1)
            if sub is None or any(leaf[4] is not None for leaf in sub[0]):
                return None
            out.extend(sub[0])
            expanded += 1 + sub[1]
            continue
        size: int | str = f.wire_size if f.wire_size is not None else f"{f.macro}[{f.count}]"
        member = re.split(r"\.|->", f.c_field)[-1] if f.c_field else None
        out.append((member, f.info, size, f.version_id, f.test))
    return out, expanded


def _plain_struct(ctx: RuleContext, f: VmstateField, side: Side) -> Vmsd | None:
    """The nested vmsd of a `VMSTATE_STRUCT(field, S, 0, vmsd, T)` that sends nothing but
    its fields (no subsections, not unmigratable), when it can be found."""
    if f.macro != "VMSTATE_STRUCT" or f.count is not None or f.test or f.version_id:
        return None
    v = find_vmsd(ctx, f.vmsd_ref, side)
    if v is None or v.subsections or v.unmigratable:
        return None
    return v


# ---- opaque type and function facts ---------------------------------------------------------


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


def renamed_function(
    old_model: FileModel | None, new_model: FileModel | None, old: str, new: str
) -> bool:
    """`old` was renamed `new` and nothing else: the old name is gone from the new side, and
    both definitions take the same parameters, cast them alike, read the same members and
    return the same expressions."""
    of, nf = function_facts(old_model, old), function_facts(new_model, new)
    if of is None or nf is None or new_model is None:
        return False
    if any(name == old for name, _, _ in new_model.functions):
        return False  # both still exist: the vmsd now uses another function
    return (
        of.params == nf.params
        and [c[:2] for c in of.casts] == [c[:2] for c in nf.casts]
        and of.member_reads == nf.member_reads
        and of.returns == nf.returns
    )


def function_funcs_of(v: Vmsd) -> Iterator[tuple[str, str, VmstateField | None]]:
    """(role, function name, field) for every hook and every `_TEST` predicate of a vmsd."""
    for member, fn in v.hooks:
        yield member, fn, None
    for f in v.payload_fields:
        if f.test:
            yield "test", f.test, f


# ---- fields ---------------------------------------------------------------------------------


def resolve_count(ctx: RuleContext, f: VmstateField, side: Side) -> int | None:
    """The element count of a field, resolving a macro through the tree when needed."""
    if f.count_value is not None or f.count is None:
        return f.count_value
    t = tree(ctx, side)
    if t is None or not re.fullmatch(r"[A-Za-z_]\w*", f.count):
        return None
    raw = t.resolve_define(f.count)
    if raw is None:
        return None
    try:
        return int(raw.strip("() "), 0)
    except ValueError:
        return None


def as_test_field(f: VmstateField, fn: str) -> str:
    """The field written as its `_TEST(fn)` macro variant (`VMSTATE_UINT32_TEST(x, S, fn),`)."""
    if f.macro.endswith("_V"):
        macro, args = f.macro[:-2] + "_TEST", list(f.args[:-1])
    elif f.macro.endswith("_TEST"):
        macro, args = f.macro, list(f.args[:-1])
    else:
        macro, args = f.macro + "_TEST", list(f.args)
    args.append(fn)
    from bot.rulekit.drafts import call

    return call(macro, args, ",", "        ")


def sum_wire(fields: Iterable[VmstateField]) -> int | None:
    """Total wire size of several fields; None when any of them is not fixed."""
    total = 0
    for f in fields:
        w = f.wire_size
        if w is None:
            return None
        total += w
    return total


def label_list(fields: Iterable[VmstateField], limit: int = 4) -> str:
    """'a', 'b' and 3 more."""
    names = [f"'{field_label(f)}'" for f in fields]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def field_version(ctx: RuleContext, f: VmstateField, side: Side) -> int:
    """The field's `_V` version, a macro argument (`VMSTATE_UINT32_V(x, S, FOO_VERSION)`,
    FOO_VERSION #defined in a header) resolved with the tree's #defines; 0 when none."""
    if f.version_id:
        return f.version_id
    tpl = VMSTATE_MACROS.get(f.macro)
    if tpl is None or tpl[0] != len(f.args):
        return 0
    at = arg_roles(tpl).get("version")
    if at is None or at >= len(f.args) or cscan.is_int_literal(f.args[at]):
        return 0
    return cscan.eval_int(f.args[at], int_lookup(ctx, side)) or 0


def top_member(c_field: str) -> str:
    """The top-level struct member of a field's C member path (`a.b[2]` -> `a`)."""
    return re.split(r"[.\[]|->", c_field)[0].strip()


def migrated_members(v: Vmsd) -> set[str]:
    """Top-level struct members the vmsd's own fields send (`a.b[2]` -> `a`)."""
    return {top_member(f.c_field) for f in v.fields if f.c_field}


def added_members(change: EntityChange, ctx: RuleContext) -> tuple[StructMember, ...]:
    """Members a struct change adds to a struct that existed before: in the new definition,
    in neither the old one nor the base tree's definition of that struct."""
    old, new = change.old, change.new
    if not isinstance(old, StructDef) or not isinstance(new, StructDef):
        return ()
    had = {m.name for m in old.members}
    base = tree(ctx, "old")
    before = base.struct(old.name) if base is not None else None
    if before is not None:
        had |= {m.name for m in before.members}
    return tuple(m for m in new.members if m.name not in had)


# C scalar types a register member is declared with
SCALAR_TYPE = re.compile(
    r"(?:u?int(?:8|16|32|64)_t|bool|_Bool|int|unsigned|signed|char|short|long|uint|"
    r"target_ulong|target_long|hwaddr|dma_addr_t|"
    r"(?:unsigned|signed)\s+(?:char|short|int|long)(?:\s+int)?|(?:unsigned\s+)?long\s+long)"
)


def added_scalar_members(
    change: EntityChange, ctx: RuleContext, limit: int, bitfields: bool = True
) -> list[StructMember]:
    """Scalar (or scalar array) members a change adds to an existing struct: no pointers,
    nested structs (nor bitfields unless asked), and no member standing where one of the same
    type and dimensions left (a rename, not a new register)."""
    old, new = change.old, change.new
    if not isinstance(old, StructDef) or not isinstance(new, StructDef):
        return []
    now = {m.name for m in new.members}
    gone = [(m.type, m.dims) for m in old.members if m.name not in now]
    out: list[StructMember] = []
    for m in added_members(change, ctx):
        if m.pointer or m.members or (m.bits and not bitfields):
            continue
        if not SCALAR_TYPE.fullmatch(m.type.strip()) or (m.type, m.dims) in gone:
            continue
        out.append(m)
    return out[:limit]
