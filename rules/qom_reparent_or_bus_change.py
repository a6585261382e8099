"""MIG022 qom-reparent-or-bus-change: QOM composition changes that may move a section.

*What it flags*

- note: a creation of a stateful type whose QOM parent or child name changes, or that moves
  to another function, while type, count and bus stay the same ("QOM path is not in the
  stream" — a reminder to check the four invariants).
- warning: the bus a device is realized on changes (`qdev_realize` bus argument, `sysbus_realize`
  ↔ `qdev_realize(dev, pci_bus)`, the type's parent moves between sysbus/PCI/ISA/...).
- warning: creations of the same stateful type in one function change order, or their number
  changes (while at least one remains; all gone is MIG020, first one is MIG024), or realize
  calls of same-named devices are reordered.

*Why it breaks migration*

The section idstr is the bus dev-path plus the vmsd name, and the instance id of identical
idstrs is the realize order. The QOM path (`/machine/soc/uart[0]`) never enters the stream, so
a pure reparent is wire-neutral. A new bus changes the dev-path prefix ("Unknown section or
instance"; RAM blocks become "Unknown ramblock"); a new order permutes instance ids, so state
silently lands in the wrong device; a different count leaves sections unknown or missing.

*Example*

The reparent half of 5bc8d26de20c (ICPs moved from the machine to the CPU cores) was harmless;
its change of instance count was not (MIG020). On arm virt, UART1 is created before UART0
(`hw/arm/virt.c`), and swapping them would swap the `pl011` instance ids.

*Instead*

Keep bus, realize order and number of instances. If the order must change, give explicit
instance ids (`vmstate_register(..., id, ...)`) or `qdev_set_legacy_instance_id()`; if the bus
must change, gate it for old machine types with a compat property.

*References*

- docs/devel/migration/main.rst, "Stream structure" and "Device ordering";
  migration/savevm.c `find_se()` (idstr and instance id)
- QEMU commits 5bc8d26de20c, c95f6161de, f58b39d2d5
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite, FileModel, ObjectCreation, StructDef, TypeInfo
from bot.model.layout import member_renames
from bot.rulekit import ctx as K

RULE = RuleSpec(
    id="MIG022",
    name="qom-reparent-or-bus-change",
    severity=Severity.WARNING,
    category=Category.QOM_REPARENT_OR_BUS_CHANGE,
    confidence="medium",
    scope="patch",
    message="QOM composition change may change section idstr or instance ids",
    fix_hint=(
        "keep bus, realize order and instance count; the QOM path itself is not in the stream"
    ),
    kinds=("creation", "call", "type"),
)

# Creation helpers whose first argument is the bus, not a QOM parent.
BUS_PATH_CREATE = frozenset(
    {"pci_create_simple", "pci_create_simple_multifunction", "usb_create_simple"}
)
BUS_NOPATH_CREATE = frozenset({"i2c_slave_create_simple", "isa_create_simple"})
_SYSBUS = "<main system bus>"

# Parent type expressions/names -> bus family (decides the dev-path prefix of the idstr).
_BUS_FAMILY = (
    (re.compile(r"SYS_BUS_DEVICE|sys-bus-device", re.I), "sysbus"),
    (re.compile(r"PCI|pci", re.I), "pci"),
    (re.compile(r"\bTYPE_ISA_DEVICE\b|isa-device", re.I), "isa"),
    (re.compile(r"I2C_SLAVE|i2c-slave", re.I), "i2c"),
    (re.compile(r"USB_DEVICE|usb-device", re.I), "usb"),
    (re.compile(r"SCSI_DEVICE|scsi-device", re.I), "scsi"),
    (re.compile(r"VIRTIO_DEVICE|virtio-device", re.I), "virtio"),
    (re.compile(r"SSI_PERIPHERAL|ssi-peripheral", re.I), "ssi"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report reparenting (note), bus changes, reorders and count changes (warning)."""
    ent = change.new if change.new is not None else change.old
    if isinstance(ent, (CallSite, ObjectCreation)) and ent.call in K.REALIZE_CALLS:
        yield from _bus_arg(change, ctx)
    elif change.kind == "creation":
        yield from _creation(change, ctx)
    elif change.kind == "type" and change.op == "modified":
        yield from _type_parent(change, ctx)
    if K.first_change_of_path(ctx, change, RULE.kinds):
        yield from _realize_order(change, ctx)


# ---- creation sites -------------------------------------------------------------------------


def _groups(m: FileModel | None) -> dict[tuple[str, str | None], list[ObjectCreation]]:
    """Creating calls of one file grouped by (type, function), in line order."""
    out: dict[tuple[str, str | None], list[ObjectCreation]] = {}
    if m is None:
        return out
    for c in sorted(m.creations, key=lambda c: c.line):
        tk = K.type_key(c)
        if c.call in K.CREATE_CALLS and tk is not None:
            out.setdefault((tk, c.function), []).append(c)
    return out


def _ident(c: ObjectCreation) -> str:
    child = c.child_name
    return K.norm(child) if child else K.norm(", ".join(c.args))


def _creation(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    ent = change.new if change.new is not None else change.old
    if not isinstance(ent, ObjectCreation) or ent.call not in K.CREATE_CALLS:
        if isinstance(ent, ObjectCreation) and ent.call in K.PARENT_CALLS:
            yield from _add_child(change, ctx)
        return
    side: K.Side = "new" if change.new is not None else "old"
    stateful, _ = K.type_vmsd(ctx, side, ent.type_name, ent.type_expr)
    tk = K.type_key(ent)
    if stateful is False or tk is None:
        return
    if stateful is None:
        # Unknown type: only a bus change on a dev-path bus is worth saying (PCI/USB devices
        # practically always carry state, at least their config space).
        if ent.call in BUS_PATH_CREATE:
            yield from _create_bus(change, tk, ctx)
        return
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    new_m = K.file_model(ctx, change.path, "new")
    key = (tk, ent.function)
    old_g = _groups(old_m).get(key, [])
    new_g = _groups(new_m).get(key, [])
    entity = f"{ent.call}({tk})@{ent.function or '-'}"

    # Count and order within one function (anchor once: on the first change of the group).
    oi = [_ident(c) for c in old_g]
    ni = [_ident(c) for c in new_g]
    reordered = bool(oi) and sorted(oi) == sorted(ni) and oi != ni
    if reordered and not _first_in_group(ctx, change, key):
        return
    if old_g and new_g and _first_in_group(ctx, change, key):
        if len(old_g) != len(new_g) and not any(c.in_loop for c in old_g + new_g):
            yield Hit(
                message=(
                    f"{ent.function or 'this code'} now creates {len(new_g)} '{tk}' objects "
                    f"instead of {len(old_g)}: sections of the missing/extra instances are "
                    f"unknown on the other side"
                ),
                line=change.line,
                side=change.side,
                entity=entity,
            )
            return
        if reordered:
            yield Hit(
                message=(
                    f"'{tk}' objects are created in a different order in "
                    f"{ent.function or 'this code'} ({', '.join(oi)} -> {', '.join(ni)}): "
                    f"realize order assigns the instance ids, so their state is swapped "
                    f"silently on migration"
                ),
                line=change.line,
                side=change.side,
                entity=entity,
                fix_hint="keep the old creation/realize order or use explicit instance ids",
            )
            return

    if change.op == "modified" and isinstance(change.old, ObjectCreation):
        o, n = change.old, ent
        if o.in_loop != n.in_loop or o.conditional != n.conditional:
            return  # count may change: MIG020 / MIG024
        if o.call != n.call:
            return  # qdev_create(bus, T) rewritten as qdev_new(T): the bus is the realize's
        op_, np_ = o.parent_expr, n.parent_expr
        if n.call in BUS_PATH_CREATE and K.norm(op_) != K.norm(np_):
            yield from _create_bus(change, tk, ctx)
            return
        if n.call in BUS_NOPATH_CREATE and not _same_bus(ctx, op_, np_):
            yield Hit(
                message=(
                    f"'{tk}' moves from bus `{op_}` to `{np_}`: that bus has no dev-path, so the "
                    f"idstr stays; check realize order and instance count are unchanged"
                ),
                line=change.line,
                side="new",
                entity=entity,
                severity=Severity.NOTE,
            )
            return
        oc, nc = o.child_name, n.child_name
        if not _same_bus(ctx, op_, np_) or K.norm(oc) != K.norm(nc):
            yield _reparent_note(change, entity, tk, f"{op_}/{oc}", f"{np_}/{nc}")
        return
    if change.op == "added":
        # Moved from another function/file with same count and condition?
        for ch in ctx.changes:
            if ch.kind != "creation" or ch.op != "removed":
                continue
            prev = ch.old
            if not isinstance(prev, ObjectCreation) or K.type_key(prev) != tk:
                continue
            if prev.in_loop != ent.in_loop or prev.conditional != ent.conditional:
                continue  # count/presence changes: MIG020/MIG024
            yield _reparent_note(
                change,
                entity,
                tk,
                f"{prev.function or '-'}",
                f"{ent.function or '-'}",
            )
            return


def _member_renames(ctx: RuleContext) -> dict[str, str]:
    """Struct members the unit renames (bot.model.layout.member_renames over its changed
    structs)."""
    out: dict[str, str] = {}
    for ch in ctx.changes:
        if ch.kind == "struct" and isinstance(ch.old, StructDef) and isinstance(ch.new, StructDef):
            out.update(member_renames(ch.old, ch.new))
    return out


def _renamed(expr: str | None, renames: dict[str, str]) -> str:
    """`expr` with renamed members spelled the new way (`pcms->bus` -> `pcms->pcibus`)."""
    text = K.norm(expr)
    if not renames or not text:
        return text
    return re.sub(
        r"(->|\.)\s*([A-Za-z_]\w*)\b",
        lambda m: m.group(1) + renames.get(m.group(2), m.group(2)),
        text,
    )


def _same_bus(ctx: RuleContext, old: str | None, new: str | None) -> bool:
    """The two bus expressions name the same bus, allowing for members the unit renames."""
    if K.norm(old) == K.norm(new):
        return True
    return _renamed(old, _member_renames(ctx)) == K.norm(new)


def _create_bus(change: EntityChange, tk: str, ctx: RuleContext) -> Iterator[Hit]:
    """pci_create_simple(bus, ...) / usb_create_simple(bus, ...) with another bus."""
    o, n = change.old, change.new
    if change.op != "modified" or not isinstance(o, ObjectCreation):
        return
    if not isinstance(n, ObjectCreation) or _same_bus(ctx, o.parent_expr, n.parent_expr):
        return
    yield Hit(
        message=(
            f"'{tk}' is now created on bus `{n.parent_expr}` instead of `{o.parent_expr}`: the "
            f"bus dev-path prefixes its section idstr, so old and new streams no longer match "
            f'("Unknown section or instance")'
        ),
        line=change.line,
        side="new",
        entity=f"{n.call}({tk})@{n.function or '-'}",
        confidence="high",
    )


def _first_in_group(ctx: RuleContext, change: EntityChange, key: tuple[str, str | None]) -> bool:
    for ch in ctx.changes:
        if ch.kind != "creation" or ch.path != change.path:
            continue
        e = ch.new if ch.new is not None else ch.old
        if isinstance(e, ObjectCreation) and (K.type_key(e), e.function) == key:
            return ch is change or ch == change
    return False


def _reparent_note(change: EntityChange, entity: str, tk: str, old: str, new: str) -> Hit:
    return Hit(
        message=(
            f"'{tk}' moves in the QOM tree ({old} -> {new}); the QOM path is not in the "
            f"stream, so this is wire-neutral as long as bus, realize order, instance count "
            f"and vmsd stay the same"
        ),
        line=change.line,
        side=change.side,
        entity=entity,
        severity=Severity.NOTE,
        confidence="medium",
    )


def _add_child(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    # Only when the model reports bare parenting (no creating call next to it).
    if change.op != "modified":
        return
    o, n = change.old, change.new
    if not isinstance(o, ObjectCreation) or not isinstance(n, ObjectCreation):
        return
    if K.norm(o.parent_expr) == K.norm(n.parent_expr) and K.norm(o.child_name) == K.norm(
        n.child_name
    ):
        return
    if K.linked_add_child(ctx, "new", change.path, n):
        return  # it parents a creation that carries any finding
    if o.in_loop != n.in_loop:
        return
    yield _reparent_note(
        change,
        f"{n.call}({K.norm(n.child_name)})@{n.function or '-'}",
        K.norm(n.child_name) or "child",
        f"{o.parent_expr}/{o.child_name}",
        f"{n.parent_expr}/{n.child_name}",
    )


# ---- bus ------------------------------------------------------------------------------------


def _bus_of(c: CallSite | ObjectCreation) -> tuple[str, str] | None:
    """(device expression, bus expression) of a realize call."""
    if c.call not in K.REALIZE_CALLS or not c.args:
        return None
    dev = K.norm(c.args[0])
    if c.call.startswith("sysbus_"):
        return dev, _SYSBUS
    if c.call.startswith("qdev_realize") and len(c.args) >= 2:
        bus = K.norm(c.args[1])
        if bus in ("NULL", "sysbus_get_default()", "BUS(sysbus_get_default())"):
            bus = _SYSBUS if bus != "NULL" else "NULL"
        return dev, bus
    if len(c.args) >= 2:
        return dev, f"{c.call}:{K.norm(c.args[1])}"
    return dev, c.call


def _strip_dev(expr: str) -> str:
    s = re.sub(r"^(DEVICE|SYS_BUS_DEVICE|PCI_DEVICE|OBJECT)\((.*)\)$", r"\2", expr)
    return s.lstrip("&").strip()


def _bus_arg(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """A realize call whose bus argument changes (same device, same function)."""
    n = change.new
    if not isinstance(n, (CallSite, ObjectCreation)):
        return
    nb = _bus_of(n)
    if nb is None:
        return
    candidates: list[CallSite | ObjectCreation] = []
    if change.op == "modified" and isinstance(change.old, (CallSite, ObjectCreation)):
        candidates.append(change.old)
    if change.op == "added":
        for ch in ctx.changes:
            if ch.op == "removed" and isinstance(ch.old, (CallSite, ObjectCreation)):
                candidates.append(ch.old)
    for o in candidates:
        if o.function != n.function:
            continue
        ob = _bus_of(o)
        if ob is None or _strip_dev(ob[0]) != _strip_dev(nb[0]) or ob[1] == nb[1]:
            continue
        if _renamed(ob[1], _member_renames(ctx)) == nb[1]:
            continue  # the bus's member was renamed
        yield Hit(
            message=(
                f"{_strip_dev(nb[0])} is now realized on bus `{nb[1]}` instead of `{ob[1]}`: "
                f"the bus dev-path is the prefix of the section idstr (and of RAM block ids), "
                f'so old and new streams no longer match ("Unknown section or instance")'
            ),
            line=change.line,
            side="new",
            entity=f"realize({_strip_dev(nb[0])})@{n.function or '-'}",
            confidence="high",
        )
        return


def _family(expr: str | None) -> str | None:
    if not expr:
        return None
    for rx, fam in _BUS_FAMILY:
        if rx.search(expr):
            return fam
    return None


def _type_parent(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    o, n = change.old, change.new
    if not isinstance(o, TypeInfo) or not isinstance(n, TypeInfo):
        return
    op_ = o.parent or o.parent_expr
    np_ = n.parent or n.parent_expr
    if K.norm(op_) == K.norm(np_):
        return
    stateful, _ = K.type_vmsd(ctx, "new", n.name, n.name_expr)
    if stateful is False:
        return
    of, nf = _family(o.parent_expr or o.parent), _family(n.parent_expr or n.parent)
    if of is not None and nf is not None and of != nf:
        yield Hit(
            message=(
                f"type '{n.name or n.name_expr}' moves from a {of} parent ({op_}) to a {nf} "
                f"parent ({np_}): its bus, and with it the section idstr prefix, changes"
            ),
            line=change.line,
            side="new",
            entity=f"type:{n.name or n.c_name}.parent",
            confidence="high" if stateful else "medium",
        )


# ---- realize order --------------------------------------------------------------------------

_IDX = re.compile(r"\[[^\]]*\]|\d+")


def _realize_seq(m: FileModel | None) -> dict[str | None, list[tuple[str, int]]]:
    """Per function: (device expression, line) of every realize call, in line order."""
    out: dict[str | None, list[tuple[str, int]]] = {}
    if m is None:
        return out
    sites: list[CallSite | ObjectCreation] = [*m.calls, *m.creations]
    for c in sorted(sites, key=lambda c: c.line):
        b = _bus_of(c)
        if b is not None:
            out.setdefault(c.function, []).append((_strip_dev(b[0]), c.line))
    return out


def _realize_order(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    new_m = K.file_model(ctx, change.path, "new")
    if old_m is None or new_m is None:
        return
    olds, news = _realize_seq(old_m), _realize_seq(new_m)
    for fn, nseq_l in news.items():
        oseq = [d for d, _ in olds.get(fn, [])]
        nseq = [d for d, _ in nseq_l]
        if not oseq:
            continue
        common = [d for d in nseq if d in oseq]
        ocommon = [d for d in oseq if d in nseq]
        if common == ocommon:
            continue
        # Only same-stem devices (uart[0]/uart[1], serial0/serial1) share an idstr.
        by_stem: dict[str, tuple[list[str], list[str]]] = {}
        for d in ocommon:
            by_stem.setdefault(_IDX.sub("", d), ([], []))[0].append(d)
        for d in common:
            by_stem.setdefault(_IDX.sub("", d), ([], []))[1].append(d)
        for stem_, (a, b) in by_stem.items():
            if len(a) > 1 and a != b:
                line = next((ln for d, ln in nseq_l if d == b[0]), change.line)
                yield Hit(
                    message=(
                        f"{fn or 'this code'} realizes {', '.join(b)} in a new order (was "
                        f"{', '.join(a)}): same-named sections get their instance ids in "
                        f"realize order, so state is swapped silently"
                    ),
                    line=line,
                    side="new",
                    entity=f"realize-order({stem_})@{fn or '-'}",
                    fix_hint="keep the realize order or use explicit instance ids",
                )
