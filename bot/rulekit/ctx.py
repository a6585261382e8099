"""Look-ups over a RuleContext: entities of one side across every changed file (and the tree)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from bot.diff.changes import EntityChange
from bot.diff.filediff import MODERN_CREATE
from bot.engine.spec import RuleContext, TreeView
from bot.model import cscan
from bot.model.entities import (
    CallSite,
    ClassInit,
    FileModel,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
    VmstateRegistration,
)
from bot.model.view import FilesView, linked_add_children
from bot.series import FileChange

Side = Literal["old", "new"]

# Calls that create (allocate or initialise) a QOM object; parenting-only calls are not here.
CREATE_CALLS = frozenset(
    {
        "object_new",
        "object_new_with_props",
        "qdev_new",
        "qdev_try_new",
        "object_initialize",
        "object_initialize_child",
        "object_initialize_child_with_props",
        "object_initialize_child_with_propsv",
        "sysbus_create_simple",
        "sysbus_create_varargs",
        "pci_new",
        "pci_new_multifunction",
        "pci_create_simple",
        "pci_create_simple_multifunction",
        "isa_new",
        "isa_try_new",
        "isa_create_simple",
        "usb_new",
        "usb_create_simple",
        "i2c_slave_new",
        "i2c_slave_create_simple",
        "ssi_create_peripheral",
        *MODERN_CREATE,  # the older forms (2009-2020)
    }
)
PARENT_CALLS = frozenset({"object_property_add_child"})
REALIZE_CALLS = frozenset(
    {
        "qdev_realize",
        "qdev_realize_and_unref",
        "sysbus_realize",
        "sysbus_realize_and_unref",
        "pci_realize_and_unref",
        "isa_realize_and_unref",
        "usb_realize_and_unref",
        "i2c_slave_realize_and_unref",
        "ssi_realize_and_unref",
    }
)
REGISTER_CALLS = frozenset(
    {"vmstate_register", "vmstate_register_any", "vmstate_register_with_alias_id"}
)
ANY_INSTANCE = frozenset({"", "VMSTATE_INSTANCE_ID_ANY", "-1"})

# Files whose boards have versioned machine types (docs/migration-primer.md, "Versioned
# machine types"): the six families that call hw_compat_X_Y, also at their paths before
# hw/<arch>/ (2013).
VERSIONED_MACHINE_FILES = frozenset(
    {
        "hw/arm/virt.c",
        "hw/i386/pc.c",
        "hw/i386/pc_piix.c",
        "hw/i386/pc_q35.c",
        "hw/pc.c",
        "hw/pc_piix.c",
        "hw/pc_q35.c",
        "hw/spapr.c",
        "hw/s390-virtio-ccw.c",
        "hw/m68k/virt.c",
        "hw/ppc/spapr.c",
        "hw/s390x/s390-virtio-ccw.c",
    }
)

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


def norm(text: str | None) -> str:
    """Whitespace-collapsed text ('' for None)."""
    return cscan.norm(text or "")


def unit_files(ctx: RuleContext, side: Side) -> FilesView:
    """The indexed files of one side of the unit."""
    return ctx.old_files if side == "old" else ctx.new_files


def file_changes(ctx: RuleContext) -> tuple[FileChange, ...]:
    """The changed files being judged: the patch's, or the folded series' (base to head)."""
    return tuple(ctx.patch.files if ctx.patch is not None else ctx.series.folded)


def source_text(ctx: RuleContext, path: str, side: Side) -> str | None:
    """The comment-stripped text of one side of a changed file (None when not changed here
    or absent on that side); offsets are those of the file."""
    for fc in file_changes(ctx):
        if side == "new" and fc.new_path == path and fc.new is not None:
            return cscan.strip_comments(fc.new.decode("utf-8", "replace"))
        if side == "old" and (fc.old_path or fc.new_path) == path and fc.old is not None:
            return cscan.strip_comments(fc.old.decode("utf-8", "replace"))
    return None


def own_path(ctx: RuleContext, side: Side) -> str | None:
    """The path of the change's own file on one side (None when that side is absent)."""
    own = ctx.old_model if side == "old" else ctx.new_model
    return own.path if own is not None else None


def models(ctx: RuleContext, side: Side) -> Iterator[tuple[str, FileModel]]:
    """(path, model) of one side for every changed file of the unit, the change's own first."""
    return unit_files(ctx, side).models(own_path(ctx, side))


def tree(ctx: RuleContext, side: Side) -> TreeView | None:
    """The whole-tree view of one side, if the run has one."""
    return ctx.old_tree if side == "old" else ctx.new_tree


def file_model(ctx: RuleContext, path: str, side: Side) -> FileModel | None:
    """The model of one file on one side (changed files first, then the tree's port)."""
    for p, m in models(ctx, side):
        if p == path:
            return m
    t = tree(ctx, side)
    return t.file_model(path) if t is not None else None


def find_vmsd_at(ctx: RuleContext, c_name: str | None, side: Side) -> tuple[Vmsd, str] | None:
    """(vmsd, defining path) of a C name on one side: own file, the unit's, then the tree."""
    if not c_name:
        return None
    found = unit_files(ctx, side).vmsd(c_name, own_path(ctx, side))
    if found is not None:
        return found[1], found[0]
    t = tree(ctx, side)
    if t is not None:
        v = t.vmsd(c_name)
        path = t.vmsd_path(c_name)
        if v is not None and path is not None:
            return v, path
    return None


def find_vmsd(ctx: RuleContext, c_name: str | None, side: Side) -> Vmsd | None:
    """A vmsd by C name on one side: changed files first, then the tree."""
    found = find_vmsd_at(ctx, c_name, side)
    return found[0] if found is not None else None


def wire_name(ctx: RuleContext, c_name: str | None, side: Side) -> str | None:
    """The `.name` a vmsd puts on the wire, when it can be resolved."""
    v = find_vmsd(ctx, c_name, side)
    return v.name if v is not None else None


def registrations(ctx: RuleContext, side: Side) -> list[tuple[str, VmstateRegistration]]:
    """vmstate_register* calls (not unregister) of one side, over all files of the unit."""
    return [
        (p, r) for p, m in models(ctx, side) for r in m.registrations if r.call in REGISTER_CALLS
    ]


def is_dummy_vmsd(v: Vmsd | None) -> bool:
    """A placeholder vmsd: every payload field is VMSTATE_UNUSED* (swallows old streams)."""
    if v is None:
        return False
    payload = v.payload_fields
    return bool(payload) and all(f.is_unused for f in payload)


def dummy_registrations(ctx: RuleContext) -> list[tuple[str, VmstateRegistration, Vmsd]]:
    """New-side registrations of placeholder vmsds (VMSTATE_UNUSED only)."""
    out: list[tuple[str, VmstateRegistration, Vmsd]] = []
    for p, r in registrations(ctx, "new"):
        v = find_vmsd(ctx, r.vmsd, "new")
        if v is not None and is_dummy_vmsd(v):
            out.append((p, r, v))
    return out


def types(ctx: RuleContext, side: Side) -> list[tuple[str, TypeInfo]]:
    """TypeInfos of one side over the unit's files."""
    return [(p, t) for p, m in models(ctx, side) for t in m.types]


def class_init_of(ctx: RuleContext, side: Side, function: str | None) -> ClassInit | None:
    """The ClassInit summary of a class_init function, from the unit's files."""
    if not function:
        return None
    for _, m in models(ctx, side):
        for ci in m.class_inits:
            if ci.function == function:
                return ci
    return None


def type_matches(t: TypeInfo, name: str | None, expr: str | None = None) -> bool:
    """Whether a TypeInfo is the type named by a resolved name or a raw TYPE_* expression."""
    if name and t.name == name:
        return True
    if expr:
        e = norm(expr)
        if t.name_expr and norm(t.name_expr) == e:
            return True
        if t.name and e.strip('"') == t.name:
            return True
    return False


def find_type(
    ctx: RuleContext, side: Side, name: str | None, expr: str | None = None
) -> TypeInfo | None:
    """A TypeInfo by resolved name or TYPE_* expression on one side (files, then tree)."""
    for _, t in types(ctx, side):
        if type_matches(t, name, expr):
            return t
    tv = tree(ctx, side)
    if tv is not None:
        key = name
        if key is None and expr:
            key = tv.resolve_define(norm(expr)) or (
                norm(expr).strip('"') if norm(expr).startswith('"') else None
            )
        if key:
            return tv.type_by_name(key)
    return None


# A PCI host bridge has no dc->vmsd of its own, but the root bus it creates registers a
# "PCIBUS" section (pci_bus_realize: vmstate_register(NULL, -1, &vmstate_pcibus, bus)).
PCI_HOST_BRIDGE = "pci-host-bridge"
PCI_HOST_BRIDGE_MACRO = "TYPE_PCI_HOST_BRIDGE"
PCIBUS_VMSD = "vmstate_pcibus"


def type_vmsd(
    ctx: RuleContext, side: Side, name: str | None, expr: str | None = None
) -> tuple[bool | None, str | None]:
    """(stateful?, vmsd C name) for a type: True/False when known, None when unknown.

    Looks at the type's own class_init in the unit's files, then its parents there, then the
    tree (`vmsd_of_type` when the index offers it). A PCI host bridge is stateful through the
    PCIBUS section of its root bus.
    """
    seen: set[str] = set()
    cur = find_type(ctx, side, name, expr)
    known_any = False
    while cur is not None and (cur.name or cur.c_name) not in seen:
        seen.add(cur.name or cur.c_name)
        if cur.parent == PCI_HOST_BRIDGE or cur.parent_expr == PCI_HOST_BRIDGE_MACRO:
            return True, PCIBUS_VMSD
        ci = class_init_of(ctx, side, cur.class_init)
        if ci is not None:
            known_any = True
            if ci.vmsd and ci.vmsd_member in (None, "dc->vmsd", "k->vmsd"):
                return True, ci.vmsd
        cur = find_type(ctx, side, cur.parent, cur.parent_expr)
    tv = tree(ctx, side)
    resolved = name
    if resolved is None and expr and tv is not None:
        resolved = tv.resolve_define(norm(expr))
    if tv is not None and resolved and tv.type_by_name(resolved) is not None:
        vm = tv.vmsd_of_type(resolved)
        if vm is None and PCI_HOST_BRIDGE in tv.type_ancestors(resolved):
            return True, PCIBUS_VMSD
        return (vm is not None), vm
    if known_any and cur is None:
        # Whole parent chain seen within the unit and none sets a vmsd.
        return False, None
    return None, None


def guess_type(ctx: RuleContext, side: Side, stem_: str | None) -> TypeInfo | None:
    """A stateful type a bare child-name stem most likely denotes ("icp" -> TYPE_ICP).

    Used only when the created type is a variable the model cannot resolve: a type whose
    name equals the stem, else one whose vmsd name starts with "<stem>/".
    """
    if not stem_:
        return None
    t = find_type(ctx, side, stem_)
    if t is not None and type_vmsd(ctx, side, t.name, t.name_expr)[0]:
        return t
    for _, cand in types(ctx, side):
        st, vm = type_vmsd(ctx, side, cand.name, cand.name_expr)
        wire = wire_name(ctx, vm, side) if st else None
        if wire and wire.split("/")[0].lower() == stem_:
            return cand
    return None


def creations(ctx: RuleContext, side: Side) -> list[tuple[str, ObjectCreation]]:
    """Creating calls (object_new, qdev_new, object_initialize_child ...) of one side.

    A bare object_property_add_child counts too when the model did not link it to the call
    that created its child (then it is all the model knows of that object).
    """
    files = unit_files(ctx, side)
    out: list[tuple[str, ObjectCreation]] = []
    for p, m in models(ctx, side):
        for c in m.creations:
            if c.call in CREATE_CALLS:
                out.append((p, c))
            elif c.call in PARENT_CALLS and not files.is_linked_add_child(p, c):
                out.append((p, c))
    return out


def linked_add_child(ctx: RuleContext, side: Side, path: str, add_child: ObjectCreation) -> bool:
    """Whether an add_child call only parents an object whose creation the model linked."""
    files = unit_files(ctx, side)
    if any(p == path for p, _ in files.files):
        return files.is_linked_add_child(path, add_child)
    m = file_model(ctx, path, side)
    return m is not None and add_child in linked_add_children(m)


_STEM_TAIL = re.compile(r"(\[[^\]]*\]|\d+|[-_])+$")


def stem(name: str | None) -> str | None:
    """A child/property name without quotes, `[*]` and trailing digits: "icp[*]" -> "icp"."""
    if not name:
        return None
    s = name.strip().strip('"')
    s = _STEM_TAIL.sub("", s)
    return s.lower() or None


def ident_tokens(expr: str | None) -> set[str]:
    """Lower-case identifier pieces of an expression: "spapr->icp_type" -> {spapr, icp, type}."""
    out: set[str] = set()
    for ident in re.findall(r"[A-Za-z_]\w*", expr or ""):
        for piece in ident.lower().split("_"):
            if piece:
                out.add(piece)
    return out


def type_key(c: ObjectCreation) -> str | None:
    """What identifies the created type: resolved name, else the raw expression."""
    if c.type_name:
        return c.type_name
    return norm(c.type_expr) if c.type_expr else None


def first_change_of_path(
    ctx: RuleContext, change: EntityChange, kinds: tuple[str, ...] = ()
) -> bool:
    """True when `change` is the first change of its file in ctx.changes (per-file anchors).

    `kinds` restricts the candidates to the kinds the calling rule receives (RuleSpec.kinds),
    so the anchor is a change the rule is actually shown.
    """
    for c in ctx.changes:
        if c.path == change.path and (not kinds or c.kind in kinds):
            return c is change or c == change
    return True


def func_span(m: FileModel | None, name: str | None) -> tuple[int, int] | None:
    """(line, end_line) of a function definition in a model."""
    if m is None or not name:
        return None
    for fn, start, end in m.functions:
        if fn == name:
            return start, end
    return None


def is_conditional(entity: CallSite | VmstateRegistration | ObjectCreation) -> bool:
    """Whether the call sits inside an if/switch/?: of its function."""
    return entity.conditional


# ---- properties and their owner types -------------------------------------------------------


def property_owners(ctx: RuleContext, side: Side, path: str, prop: Property) -> list[TypeInfo]:
    """TypeInfos whose class_init installs the Property array `prop.array` (same file)."""
    m = file_model(ctx, path, side)
    if m is None:
        return []
    fns = {ci.function for ci in m.class_inits if prop.array in ci.props}
    return [t for t in m.types if t.class_init in fns]


def array_existed(ctx: RuleContext, path: str, array: str) -> bool:
    """Whether the device owning this Property array existed before the change.

    True when the array existed on the old side, or when a type whose class_init installs
    it on the new side already existed (a device gaining its first properties, 9ea02e8f1).
    """
    m = file_model(ctx, path, "old")
    if m is not None and any(p.array == array for p in m.properties):
        return True
    new_m = file_model(ctx, path, "new")
    if m is None or new_m is None:
        return False
    fns = {ci.function for ci in new_m.class_inits if array in ci.props}
    owners = [t for t in new_m.types if t.class_init in fns]
    return any(
        any(type_matches(o, t.name, t.name_expr) or o.c_name == t.c_name for o in m.types)
        for t in owners
    )


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`10.2.50` -> (10, 2, 50); None when unparsable."""
    if not text:
        return None
    m = _VERSION.match(text)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def gated_by_series(ctx: RuleContext, condition: str | None) -> bool:
    """Whether the series brings its own compat handling for a changed behaviour: it changes
    a compat array, or adds a property whose member the behaviour's condition tests."""
    for c in ctx.changes:
        if c.kind == "compat_array":
            return True
        if c.kind == "property" and c.op == "added" and isinstance(c.new, Property):
            member = (c.new.c_field or "").split(".")[-1]
            if member and condition and member in condition:
                return True
    return False
