"""Struct layouts across files: member look-up by path, `sizeof` of plain structs (pure).

Works on the `StructDef` entities of bot.model.extract.structs through a look-up function
(struct or typedef name -> definition), so the same code serves one file, a review unit and
the whole tree. Sizes follow the C ABI of QEMU's 64-bit hosts (LP64): natural alignment, a
packed struct has none; a member whose type or dimension cannot be resolved makes the size
unknown (None) rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.model import cscan
from bot.model.entities import CallSite, StructDef, StructMember, Vmsd, VmstateField
from bot.model.macros import C_TYPE_SIZES, POINTER_SIZE

StructLookup = Callable[[str], StructDef | None]
IntLookup = Callable[[str], int | None]

MAX_DEPTH = 12

# Fixed-size types of include/standard-headers and linux-headers besides C_TYPE_SIZES.
_EXTRA_SIZES: dict[str, int] = {
    "__u8": 1, "__s8": 1, "__u16": 2, "__s16": 2, "__u32": 4, "__s32": 4, "__u64": 8,
    "__s64": 8, "__le16": 2, "__le32": 4, "__le64": 8, "__be16": 2, "__be32": 4, "__be64": 8,
    "__virtio16": 2, "__virtio32": 4, "__virtio64": 8, "unsigned": 4, "signed": 4,
    "unsigned char": 1, "signed char": 1, "unsigned short": 2, "short": 2,
    "unsigned long long": 8, "long long": 8, "unsigned long": 8, "long": 8,
    "hwaddr": 8, "ram_addr_t": 8, "target_ulong": 8, "size_t": 8,
}  # fmt: skip

_TAG = re.compile(r"^(?:struct|union)\s+")


def type_key(type_text: str | None) -> str:
    """A struct type as the tables key it: without `struct`/`union`/qualifiers."""
    t = cscan.norm(re.sub(r"\b(?:const|volatile)\b", " ", type_text or ""))
    return _TAG.sub("", t).strip()


def member_renames(old: StructDef, new: StructDef) -> dict[str, str]:
    """Members a struct renames: each member the new side lost, paired with the one member
    that arrived with the same type and shape (`PCIDevice dev` -> `PCIDevice parent_obj`,
    `PCIBus *bus` -> `PCIBus *pcibus`); ambiguous pairs are left out."""
    was = {m.name for m in old.members}
    now = {m.name for m in new.members}
    came = [m for m in new.members if m.name not in was]
    out: dict[str, str] = {}
    for g in old.members:
        if g.name in now:
            continue
        same = [c.name for c in came if type_key(c.type) == type_key(g.type)
                and (c.pointer, c.dims) == (g.pointer, g.dims)]  # fmt: skip
        if len(same) == 1:
            out[g.name] = same[0]
    return out


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member reached by a VMSTATE field path (`bt.outmsg`, `regs[2]`)."""

    member: StructMember
    owner: str  # struct the member belongs to ("" for an inline aggregate)
    dims: tuple[str, ...]  # array dimensions left after the path's subscripts

    @property
    def is_pointer(self) -> bool:
        """A plain pointer (not an array of pointers, not an array)."""
        return self.member.pointer > 0 and not self.dims

    @property
    def is_inline_array(self) -> bool:
        """An array stored in the struct itself (elements are not pointers)."""
        return bool(self.dims) and self.member.pointer == 0


_PART = re.compile(r"^\s*([A-Za-z_]\w*)\s*((?:\[[^\]]*\]\s*)*)$")


def resolve_member(lookup: StructLookup, struct: str | None, path: str | None) -> MemberRef | None:
    """The member a `VMSTATE_*(path, struct)` field names; None when any step is unknown."""
    if not struct or not path:
        return None
    owner = type_key(struct)
    sd = lookup(owner)
    if sd is None:
        return None
    members: tuple[StructMember, ...] = sd.members
    parts = path.split(".")
    for i, part in enumerate(parts):
        m = _PART.match(part)
        if m is None:
            return None
        subs = m.group(2).count("[")
        mem = next((x for x in members if x.name == m.group(1)), None)
        if mem is None or subs > len(mem.dims):
            return None
        if i == len(parts) - 1:
            return MemberRef(mem, owner, mem.dims[subs:])
        if mem.pointer:
            return None
        if mem.members:
            members, owner = mem.members, ""
            continue
        owner = type_key(mem.type)
        nxt = lookup(owner)
        if nxt is None:
            return None
        members = nxt.members
    return None


def scalar_size(type_text: str) -> int | None:
    """Size of a base C type (fixed-width integers, kernel/virtio types), else None."""
    t = type_key(type_text)
    size = C_TYPE_SIZES.get(t)
    return size if size is not None else _EXTRA_SIZES.get(t)


def sizeof_struct(
    lookup: StructLookup, name: str, ints: IntLookup | None = None, depth: int = 0
) -> int | None:
    """`sizeof(struct name)` from its members; None when a member cannot be sized."""
    sd = lookup(type_key(name))
    if sd is None or depth > MAX_DEPTH:
        return None
    got = _layout(lookup, sd.members, sd.kind == "union", sd.packed, ints, depth)
    return got[0] if got is not None else None


def _layout(
    lookup: StructLookup,
    members: tuple[StructMember, ...],
    union: bool,
    packed: bool,
    ints: IntLookup | None,
    depth: int,
) -> tuple[int, int] | None:
    """(size, alignment) of a member list."""
    off = 0
    size = 0
    align = 1
    for mem in members:
        if mem.bits is not None:
            return None  # bit-field packing: not worth guessing
        got = _member_size(lookup, mem, ints, depth)
        if got is None:
            return None
        msize, malign = got
        if packed:
            malign = 1
        align = max(align, malign)
        if union:
            size = max(size, msize)
        else:
            off = -(-off // malign) * malign + msize
    total = size if union else off
    return -(-total // align) * align, align


def member_size(lookup: StructLookup, mem: StructMember, ints: IntLookup | None) -> int | None:
    """`sizeof` a struct member (all its dimensions); None when it cannot be sized."""
    got = _member_size(lookup, mem, ints, 0)
    return got[0] if got is not None else None


def _member_size(
    lookup: StructLookup, mem: StructMember, ints: IntLookup | None, depth: int
) -> tuple[int, int] | None:
    count = 1
    for d in mem.dims:
        n = cscan.eval_int(d, ints) if d else 0
        if n is None:
            return None
        count *= n
    if mem.pointer:
        return POINTER_SIZE * count, POINTER_SIZE
    if mem.members:
        inner = _layout(lookup, mem.members, mem.type.startswith("union"), False, ints, depth + 1)
        if inner is None:
            return None
        return inner[0] * count, inner[1]
    base = scalar_size(mem.type)
    if base is not None:
        return base * count, base
    sd = lookup(type_key(mem.type))
    if sd is None or depth > MAX_DEPTH:
        return None
    inner = _layout(lookup, sd.members, sd.kind == "union", sd.packed, ints, depth + 1)
    if inner is None:
        return None
    return inner[0] * count, inner[1]


_MACRO = re.compile(r"\b[A-Z_][A-Z0-9_]*\b")


def follows_member_size(f: VmstateField) -> bool:
    """A field whose wire size is `sizeof` the C member (`VMSTATE_BUFFER(f, S)` & co.)."""
    return f.info == "buffer" and "pointer" not in f.flags and f.elem_size is None


def size_ref_names_of_vmsd(v: Vmsd) -> tuple[str, ...]:
    """Macros in the vmsd's field counts, and structs whose member sizes its fields follow."""
    out: dict[str, None] = {}
    for f in v.fields:
        if f.count and f.count_value is None:
            out.update(dict.fromkeys(_MACRO.findall(f.count)))
        if f.struct and follows_member_size(f):
            out[type_key(f.struct)] = None
    return tuple(out)


def size_ref_names_of_struct(sd: StructDef) -> tuple[str, ...]:
    """Macros in the struct's member dimensions (nested inline members included)."""
    out: dict[str, None] = {}
    stack = list(sd.members)
    while stack:
        m = stack.pop()
        for d in m.dims:
            out.update(dict.fromkeys(_MACRO.findall(d)))
        stack.extend(m.members)
    return tuple(out)


_SIZEOF = re.compile(r"\bsizeof\s*\(\s*((?:struct\s+|union\s+)?[A-Za-z_]\w*)\s*\)")
# Calls whose argument fixes a guest-visible size: callee -> argument index (-1: the last;
# virtio_init lost its name argument in QEMU 7.0, the size stayed last).
SIZE_CALLS: dict[str, int] = {"virtio_init": -1}


def sized_structs_of_call(c: CallSite) -> tuple[str, ...]:
    """Structs whose `sizeof` a size-fixing call (`virtio_init(.., sizeof(struct X))`) uses."""
    i = SIZE_CALLS.get(c.call)
    if i is None or not c.args or len(c.args) <= i:
        return ()
    return tuple(dict.fromkeys(type_key(m) for m in _SIZEOF.findall(c.args[i])))
