"""MIG023 instance-id-change: the instance id a section is registered under changes.

*What it flags*

- The instance id argument of `vmstate_register()` / `vmstate_register_with_alias_id()`
  changes (a rewrite that reads the same member, `CPU(cpu)->cpu_index` → `cs->cpu_index`, is
  taken as a refactor), or the call switches between an explicit id and `vmstate_register_any()` /
  `VMSTATE_INSTANCE_ID_ANY` (a note when the old id was 0 and there is one instance: "next free
  id" then gives 0 as well).
- The arguments of `qdev_set_legacy_instance_id()` change, or the call is removed.

*Why it breaks migration*

The destination finds the handler of an incoming section by `(idstr, instance id)`
(`find_se`, `migration/savevm.c`). Different ids on the two sides either fail with "Unknown
section or instance '<idstr>' <n>" or, worse, load the state of one instance into another
silently. `qdev_set_legacy_instance_id()` makes the destination accept an older alias id;
dropping or changing it breaks streams from QEMUs that still used the alias.

*Example*

c95f6161de switched ICPs to `vmstate_register(NULL, cpu_index, ...)`; it was wire-neutral for
old machines only because the auto-generated ids 0, 1, 2 ... equalled `cpu_index`.
`hw/char/serial-isa.c` keeps `qdev_set_legacy_instance_id(dev, isa->iobase, 3)` so streams using
the ISA iobase as id still load.

*Instead*

Keep the id expression. When the numbering must change, keep accepting the old ids with
`qdev_set_legacy_instance_id()` / `vmstate_register_with_alias_id()` and prove the new ids equal
the old ones for every versioned machine type.

*References*

- migration/savevm.c `find_se()`, `vmstate_register_with_alias_id()`;
  hw/core/qdev.c `qdev_set_legacy_instance_id()`
- QEMU commits c95f6161de, caa91b3c44
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import CallSite, VmstateRegistration
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG023",
    name="instance-id-change",
    severity=Severity.ERROR,
    category=Category.INSTANCE_ID_CHANGE,
    confidence="high",
    scope="patch",
    message="the instance id a section is registered under changes",
    fix_hint="keep the old instance id, or accept it as a legacy alias id",
    kinds=("registration", "call"),
)

_LEGACY = "qdev_set_legacy_instance_id"


def _inst(r: VmstateRegistration) -> str:
    if r.call == "vmstate_register_any":
        return "ANY"
    v = K.norm(r.instance_id)
    return "ANY" if v in K.ANY_INSTANCE else v


def _member(expr: str) -> str | None:
    """The member an id expression reads last (`CPU(cpu)->cpu_index` -> `cpu_index`)."""
    m = re.search(r"(?:->|\.)\s*([A-Za-z_]\w*)\s*$", expr)
    return m.group(1) if m else None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report changed instance ids of registrations and legacy alias ids."""
    if change.kind == "registration":
        yield from _registration(change, ctx)
    elif change.kind == "call":
        yield from _legacy(change, ctx)


def _registration(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    new = change.new
    if not isinstance(new, VmstateRegistration) or new.call not in K.REGISTER_CALLS:
        return
    old = change.old  # the diff pairs vmstate_register <-> vmstate_register_any of one vmsd
    if not isinstance(old, VmstateRegistration) or old.call not in K.REGISTER_CALLS:
        return
    oi, ni = _inst(old), _inst(new)
    if oi == ni:
        return
    if new.call == "vmstate_register_with_alias_id" and len(new.args) >= 5:
        alias = new.args[3 if len(new.args) == 5 else 4]  # 2010's form has no device
        if K.norm(alias) == K.norm(old.instance_id):
            return  # the old id is accepted as the alias: old streams still load
    if _member(oi) is not None and _member(oi) == _member(ni):
        return  # `CPU(cpu)->cpu_index` -> `cs->cpu_index`: a refactor of the same value
    section = K.wire_name(ctx, new.vmsd, "new") or new.vmsd or K.norm(new.vmsd_expr)
    entity = f"{new.vmsd or K.norm(new.vmsd_expr)}@{new.function or '-'}"
    if {oi, ni} == {"ANY", "0"} and not old.in_loop and not new.in_loop:
        yield Hit(
            message=(
                f"section '{section}' switches between instance id 0 and 'next free id': "
                f"identical for a single instance, different as soon as there are two"
            ),
            line=change.line,
            side="new",
            entity=entity,
            severity=Severity.NOTE,
            confidence="medium",
        )
        return
    draft, edits = _alias_draft(ctx, change.path, old, new)
    yield Hit(
        message=(
            f"section '{section}' is now registered with instance id `{ni}` instead of "
            f"`{oi}`: the destination looks sections up by (idstr, instance id), so old "
            f'streams fail ("Unknown section or instance") or load into the wrong instance'
        ),
        line=change.line,
        side="new",
        entity=entity,
        fix_draft=draft,
        fix_edits=edits,
    )


def _alias_draft(
    ctx: RuleContext, path: str, old: VmstateRegistration, new: VmstateRegistration
) -> tuple[str | None, tuple[DraftEdit, ...]]:
    """The new registration with the old id accepted as its alias (text and edit)."""
    if _inst(old) == "ANY" or not new.args:
        return None, ()
    if new.call == "vmstate_register" and len(new.args) == 4:
        obj, inst, vmsd, opaque = new.args
    elif new.call == "vmstate_register_any" and len(new.args) == 3:
        obj, vmsd, opaque = new.args
        inst = "VMSTATE_INSTANCE_ID_ANY"
    else:
        return None, ()
    v = K.find_vmsd(ctx, new.vmsd, "new")
    version = str(v.version_id) if v is not None and v.version_id is not None else None
    if version is None:
        version = "1 " + D.fill("its .version_id")
    text = D.call("vmstate_register_with_alias_id",
                  [obj, inst, vmsd, opaque, K.norm(old.instance_id), version, "&error_fatal"],
                  ";", "    ")  # fmt: skip
    edit = D.sub_in(path, new.line, new.line, rf"\b{new.call}\s*\(.*\)\s*;",
                    text.strip().replace("\\", "\\\\"))  # fmt: skip
    return text, (edit,)


def _args(c: CallSite) -> tuple[str, ...]:
    return tuple(K.norm(a) for a in c.args)


def _moved(ctx: RuleContext, o: CallSite) -> bool:
    """The same alias call (same id arguments; the device is written as the new function
    sees it) added elsewhere by this unit: moved, e.g. from board code into the device's
    instance_init or realize."""
    for ch in ctx.changes:
        n = ch.new
        if ch.kind != "call" or not isinstance(n, CallSite) or n.call != _LEGACY:
            continue
        if ch.op == "added" or (ch.op == "modified" and ch.old != n):
            if n.function != o.function and _args(n)[1:] == _args(o)[1:]:
                return True
    return False


def _legacy(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    o, n = change.old, change.new
    ent = n if n is not None else o
    if not isinstance(ent, CallSite) or ent.call != _LEGACY:
        return
    if not isinstance(o, CallSite):
        return  # added: an alias only widens what is accepted
    device = K.norm(o.args[0]) if o.args else "?"
    entity = f"{_LEGACY}({device})@{o.function}"
    if isinstance(n, CallSite):
        if _args(n) == _args(o):
            return  # only its place or condition changed
        if _args(n)[:1] == _args(o)[:1]:
            yield Hit(
                message=(
                    f"legacy instance id of {device} changes from ({', '.join(o.args[1:])}) to "
                    f"({', '.join(n.args[1:])}): streams using the old alias id no longer load"
                ),
                line=n.line,
                side="new",
                entity=entity,
            )
            return
        # the alias now names another device: for this one it is gone
    if _moved(ctx, o):
        return
    yield Hit(
        message=(
            f"qdev_set_legacy_instance_id({', '.join(o.args)}) removed: sections from "
            f'QEMUs that used the alias id are "Unknown section or instance" now'
        ),
        line=o.line,
        side="old",
        entity=entity,
        confidence="medium",
    )
