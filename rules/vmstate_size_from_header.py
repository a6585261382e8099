"""MIG041 vmstate-size-from-header: a macro or member size changes what an unchanged vmsd sends.

*What it flags*

A changed `#define` (usually in a header) whose integer value sizes state that an existing
vmsd migrates, while that vmsd itself is not changed:

- the element count of a field (`VMSTATE_UINT8_ARRAY(sense, SCSIDevice,
  SCSI_SENSE_BUF_SIZE)`);
- the dimension of a struct member whose size a field follows (`VMSTATE_BUFFER(buf, S)` with
  `uint8_t buf[BUF_SIZE]`); struct definitions are read from every header and source.

A struct member that such a field follows (`VMSTATE_BUFFER(buf, S)`, `VMSTATE_BUFFER_V`)
whose element type or dimensions the series changes in the struct itself
(`uint8_t regs[16]` -> `uint8_t regs[32]`, `uint8_t cdb[N]` -> `uint16_t cdb[N]`) is
flagged the same way on the member's line; a change that keeps the member's size
(`uint8_t id[8]` -> `char id[8]`) is not.

When the macro's old or new value cannot be evaluated (it depends on something migcheck
cannot resolve), a note says so instead of staying silent. A vmsd whose `version_id` the
series changes is left to MIG004. The severity follows the devices that carry the vmsd (the
macro itself belongs to none): a note when none of them can sit on a versioned machine type,
such as the CPU of a target without one.

*Why it breaks migration*

The size of an array field is not on the wire: the destination reads as many bytes as its
own binary says. With the count changed by a header, old and new QEMU disagree on the field
size for every machine type, and the rest of the section is read out of step ("Missing
section footer", or garbage in the following fields), in both directions.

*Example*

c5f52875b980 raised `SCSI_SENSE_BUF_SIZE` from 96 to 252 in include/hw/scsi/scsi.h; the
unchanged `VMSTATE_UINT8_ARRAY(sense, SCSIDevice, SCSI_SENSE_BUF_SIZE)` then sent 252 bytes.
2e323f03bf restored the old size on the wire and moved the rest into a subsection
(`VMSTATE_UINT8_SUB_ARRAY` plus a `.needed` test).

*Instead*

Keep the migrated size: send the old number of elements in the main section
(`VMSTATE_UINT8_SUB_ARRAY(f, S, 0, OLD_SIZE)`) and the rest in a subsection that is needed
only when it holds data (or on new machine types through a compat property).

*References*

- docs/devel/migration/main.rst "VMState", "Subsections"
- QEMU commits c5f52875b980, 2e323f03bf
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec, TreeView
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import Define, StructDef, StructMember, Vmsd, VmstateField
from bot.model.layout import follows_member_size, member_size, resolve_member, type_key
from bot.rulekit import ctx as K
from bot.rulekit.layout import int_lookup, struct_lookup
from bot.rulekit.vmsd import field_entity, field_label, vmsd_label

RULE = RuleSpec(
    id="MIG041",
    name="vmstate-size-from-header",
    severity=Severity.ERROR,
    category=Category.FIELD_TYPE_OR_SIZE_CHANGED,
    confidence="high",
    scope="patch",
    message="a changed macro changes the wire size of a field of an unchanged vmsd",
    fix_hint="keep the old size on the wire; send the rest in a subsection",
    kinds=("define", "struct"),
)

_MAX_REFS = 64


def _uses(expr: str | None, name: str) -> bool:
    return bool(expr) and re.search(rf"\b{re.escape(name)}\b", expr or "") is not None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield one hit per field of an unchanged vmsd whose size the changed macro sets."""
    if change.op != "modified":
        return
    if change.kind == "struct":
        yield from _member_changes(change, ctx)
        return
    old, new = change.old, change.new
    if not isinstance(old, Define) or not isinstance(new, Define) or "(" in new.name:
        return
    if K.norm(old.raw) == K.norm(new.raw):
        return
    t_new, t_old = ctx.new_tree, ctx.old_tree
    if t_new is None or t_old is None:
        return
    name = new.name
    refs = t_new.size_refs(name)
    if not refs:
        return
    ov = cscan.eval_int(old.raw, int_lookup(ctx, "old"))
    nv = cscan.eval_int(new.raw, int_lookup(ctx, "new"))
    if ov is not None and ov == nv:
        return
    for path, ref in refs[:_MAX_REFS]:
        kind, _, what = ref.partition(":")
        if kind == "vmsd":
            for v, f in _count_users(t_new, path, what, name):
                yield from _hit(
                    ctx, change, v, f, path, name, old, new, ov, nv, "sets the element count of"
                )
        elif kind == "struct":
            for member in _members_using(t_new, path, what, name):
                for vpath, v, f in _buffer_users(t_new, what, member):
                    yield from _hit(
                        ctx,
                        change,
                        v,
                        f,
                        vpath,
                        name,
                        old,
                        new,
                        ov,
                        nv,
                        f"sizes member {what}.{member}, which sizes",
                    )


def _count_users(
    t: TreeView, path: str, c_name: str, name: str
) -> Iterator[tuple[Vmsd, VmstateField]]:
    for p, v in t.vmsd_definitions(c_name):
        if p != path:
            continue
        for f in v.fields:
            if f.count_value is None and _uses(f.count, name):
                yield v, f


def _members_using(t: TreeView, path: str, struct: str, name: str) -> list[str]:
    sd = t.struct(struct)
    if sd is None:
        return []
    out: list[str] = []

    def walk(members: tuple[StructMember, ...], prefix: str) -> None:
        for m in members:
            if any(_uses(d, name) for d in m.dims):
                out.append(prefix + m.name)
            if m.members:
                walk(m.members, f"{prefix}{m.name}.")

    walk(sd.members, "")
    return out


def _buffer_users(
    t: TreeView, struct: str, member: str
) -> Iterator[tuple[str, Vmsd, VmstateField]]:
    for path, ref in t.size_refs(struct)[:_MAX_REFS]:
        kind, _, c_name = ref.partition(":")
        if kind != "vmsd":
            continue
        for p, v in t.vmsd_definitions(c_name):
            if p != path:
                continue
            for f in v.fields:
                if (
                    follows_member_size(f)
                    and type_key(f.struct) == struct
                    and re.sub(r"\[[^\]]*\]", "", f.c_field or "") == member
                ):
                    yield path, v, f


def _hit(
    ctx: RuleContext,
    change: EntityChange,
    v: Vmsd,
    f: VmstateField,
    vpath: str,
    name: str,
    old: Define,
    new: Define,
    ov: int | None,
    nv: int | None,
    how: str,
) -> Iterator[Hit]:
    if ctx.old_tree is None:
        return
    before = [bv for p, bv in ctx.old_tree.vmsd_definitions(v.c_name) if p == vpath]
    if not before:
        return  # a vmsd the series adds: no older stream to match
    if before[0].version_id != v.version_id:
        return  # the series versions the vmsd (MIG004 judges the bump)
    where = f"field '{field_label(f)}' of vmsd '{vmsd_label(v)}' ({vpath})"
    if ov is None or nv is None:
        yield Hit(
            message=(
                f"{name} changes from `{K.norm(old.raw)}` to `{K.norm(new.raw)}` and {how} "
                f"{where}; migcheck cannot evaluate the value, so check that the field's wire "
                "size is unchanged"
            ),
            line=change.line,
            side="new",
            entity=field_entity(v, f),
            severity=Severity.NOTE,
            confidence="low",
        )
        return
    yield Hit(
        message=(
            f"{name} changes from {ov} to {nv} and {how} {where}: the vmsd is unchanged but "
            f"the field's size on the wire is not, so migration between old and new QEMU "
            "reads the section out of step in both directions"
        ),
        line=change.line,
        side="new",
        entity=field_entity(v, f),
        carriers=(v.c_name,),
    )


# ---- a struct member whose type or dimensions change -------------------------------------------

_MAX_FIELDS = 64  # size-following fields judged per changed struct


def _member_changes(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Fields of unchanged vmsds that send `sizeof` a member (`VMSTATE_BUFFER(buf, S)`) whose
    element type or dimensions the series changes in the struct definition."""
    old, new = change.old, change.new
    if not isinstance(old, StructDef) or not isinstance(new, StructDef):
        return
    names = {type_key(n) for n in (new.name, *new.aliases)}
    lo, ln = struct_lookup(ctx, "old"), struct_lookup(ctx, "new")
    io, inew = int_lookup(ctx, "old"), int_lookup(ctx, "new")
    for vpath, v, f in _size_followers(ctx, names)[:_MAX_FIELDS]:
        path = f.c_field or ""
        if "[" in path or "." in path:
            continue  # a sub-member or one element: not this struct's member as a whole
        mo, mn = resolve_member(lo, f.struct, path), resolve_member(ln, f.struct, path)
        if mo is None or mn is None or mn.member not in new.members:
            continue
        a, b = mo.member, mn.member
        if (K.norm(a.type), a.pointer, a.dims) == (K.norm(b.type), b.pointer, b.dims):
            continue
        so, sn = member_size(lo, a, io), member_size(ln, b, inew)
        if so is not None and so == sn:
            continue
        before = (
            [bv for p, bv in ctx.old_tree.vmsd_definitions(v.c_name) if p == vpath]
            if ctx.old_tree is not None
            else [bv for p, fm in K.models(ctx, "old") if p == vpath
                  for bv in fm.vmsds if bv.c_name == v.c_name]
        )  # fmt: skip
        if not before or before[0].version_id != v.version_id:
            continue  # a vmsd the series adds, or versions (MIG004 judges the bump)
        decl_o = _decl(a)
        decl_n = _decl(b)
        where = f"field '{field_label(f)}' of vmsd '{vmsd_label(v)}' ({vpath})"
        if so is None or sn is None:
            yield Hit(
                message=(
                    f"{new.name}.{b.name} changes from `{decl_o}` to `{decl_n}` and {where} "
                    "sends the member's size; migcheck cannot size it, so check that the "
                    "field's wire size is unchanged"
                ),
                line=b.line,
                side="new",
                entity=field_entity(v, f),
                severity=Severity.NOTE,
                confidence="low",
            )
            continue
        yield Hit(
            message=(
                f"{new.name}.{b.name} changes from `{decl_o}` ({so} bytes) to `{decl_n}` "
                f"({sn} bytes), and {where} sends the member's size: the vmsd is unchanged "
                "but the field's size on the wire is not, so migration between old and new "
                "QEMU reads the section out of step in both directions"
            ),
            line=b.line,
            side="new",
            entity=field_entity(v, f),
            carriers=(v.c_name,),
        )


def _decl(m: StructMember) -> str:
    return f"{K.norm(m.type)} {'*' * m.pointer}{m.name}{''.join(f'[{d}]' for d in m.dims)}"


def _size_followers(ctx: RuleContext, names: set[str]) -> list[tuple[str, Vmsd, VmstateField]]:
    """(path, vmsd, field) on the new side whose field sends `sizeof` a member of one of the
    struct `names`: the unit's files, then the vmsds the tree's size references name."""
    out: list[tuple[str, Vmsd, VmstateField]] = []
    seen: set[tuple[str, str]] = set()

    def take(path: str, v: Vmsd) -> None:
        if (path, v.c_name) in seen:
            return
        seen.add((path, v.c_name))
        for f in v.fields:
            if f.struct and follows_member_size(f) and type_key(f.struct) in names:
                out.append((path, v, f))

    for path, fm in K.models(ctx, "new"):
        for v in fm.vmsds:
            take(path, v)
    t = ctx.new_tree
    if t is not None:
        for name in sorted(names):
            for path, ref in t.size_refs(name)[:_MAX_REFS]:
                kind, _, c_name = ref.partition(":")
                if kind == "vmsd":
                    for p, v in t.vmsd_definitions(c_name):
                        if p == path:
                            take(path, v)
    return out
