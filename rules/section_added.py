"""MIG024 section-added: existing machines start sending a section old QEMUs do not know.

*What it flags*

- A new `vmstate_register*()` call, in a function that already existed, that is not a move
  of an existing registration, not a placeholder (VMSTATE_UNUSED-only vmsd) and not inside
  an `if` (compat gate).
- `dc->vmsd` newly set in the class_init of a type that already existed.
- A stateful device newly created, unconditionally, in the code of a board with versioned
  machine types (pc, q35, virt, pseries, s390-ccw-virtio, m68k virt), or whose creation
  there stops depending on a condition.

When the added vmsd has a `.needed` hook the finding is a note: a top-level `.needed`
returning false skips the whole section, so check it is false for old machine types.

*Why it breaks migration*

Migrating from the new QEMU to an old one with an old machine type sends the new section and
the old destination aborts with "Unknown section or instance '<idstr>'". (Old → new is fine:
a missing section is silently ignored and the device keeps its reset state.)

*Example*

8700a98443 made kvmclock always created on PC machines; older PC machine types had to keep
the old behaviour through `pcmc->kvmclock_create_always = false`.

*Instead*

Gate the new section for existing machine types: create/register it only when a machine-class
flag or compat property says so (set off in the previous version's options / `hw_compat_X_Y`),
or give the top-level vmsd a `.needed` that returns false for old machine types.

*References*

- docs/devel/migration/main.rst, "Stream structure"; docs/devel/migration/compatibility.rst,
  "How backwards compatibility works"
- QEMU commit 8700a98443
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import ClassInit, ObjectCreation, TypeInfo, VmstateRegistration
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG024",
    name="section-added",
    severity=Severity.WARNING,
    category=Category.SECTION_ADDED,
    confidence="medium",
    scope="series",
    message="existing machine types start sending a new section",
    fix_hint=(
        "gate the new section for old machine types with a machine-class flag or a compat "
        "property set in the previous version's options / hw_compat_X_Y"
    ),
    kinds=("registration", "class_init", "creation"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report sections that existing versioned machines would start sending."""
    if change.op == "added" and change.kind == "registration":
        yield from _registration(change, ctx)
    elif change.op in ("modified", "added") and change.kind == "class_init":
        yield from _class_init(change, ctx)
    elif change.kind == "creation" and change.op in ("added", "modified"):
        yield from _creation(change, ctx)


def _gate(
    ctx: RuleContext, path: str, line: int, what: str, type_name: str | None
) -> tuple[str | None, tuple[DraftEdit, ...]]:
    text, edits = D.machine_flag_gate(ctx, path, line, what, type_name)
    return text, edits


def _needed_note(ctx: RuleContext, c_name: str | None, side: K.Side) -> bool:
    v = K.find_vmsd(ctx, c_name, side)
    return v is not None and v.hook("needed") is not None


def _registration(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    r = change.new
    if not isinstance(r, VmstateRegistration) or r.call not in K.REGISTER_CALLS:
        return
    if r.conditional:
        return  # gated; MIG020/023 look at the rest
    v = K.find_vmsd(ctx, r.vmsd, "new")
    if K.is_dummy_vmsd(v):
        return
    wire = v.name if v is not None else None
    # Moved registration, or a dc->vmsd converted to vmstate_register: not new on the wire.
    for _, o in K.registrations(ctx, "old"):
        if (r.vmsd and o.vmsd == r.vmsd) or (wire and K.wire_name(ctx, o.vmsd, "old") == wire):
            return
    for _, m in K.models(ctx, "old"):
        if any(ci.vmsd == r.vmsd for ci in m.class_inits):
            return
    fn_existed = K.func_span(K.file_model(ctx, change.path, "old"), r.function) is not None
    if not fn_existed:
        return  # new code path (new device/board): nothing old machines run
    section = wire or r.vmsd or K.norm(r.vmsd_expr)
    note = _needed_note(ctx, r.vmsd, "new")
    draft, edits = _gate(ctx, change.path, change.line, section, None)
    yield Hit(
        message=(
            f"new section '{section}' registered unconditionally in {r.function}: migrating "
            f"to an older QEMU fails with \"Unknown section or instance '{section}'\""
            + (" unless its .needed is false for old machine types" if note else "")
        ),
        line=change.line,
        side="new",
        entity=f"{r.vmsd or K.norm(r.vmsd_expr)}@{r.function or '-'}",
        severity=Severity.NOTE if note else None,
        fix_draft=draft,
        fix_edits=edits,
    )


def _class_init(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    o, n = change.old, change.new
    if not isinstance(n, ClassInit):
        return
    if isinstance(o, ClassInit) and o.vmsd:
        return
    if not n.vmsd or n.vmsd_member not in (None, "dc->vmsd", "k->vmsd"):
        return
    wire = K.wire_name(ctx, n.vmsd, "new")
    # vmstate_register -> dc->vmsd conversion (f055f5075a): not a new section if names match.
    for _, r in K.registrations(ctx, "old"):
        if r.vmsd == n.vmsd or (wire and K.wire_name(ctx, r.vmsd, "old") == wire):
            return
    owners = [t for _, t in K.types(ctx, "old") if t.class_init == n.function and not t.abstract]
    # dc->vmsd moved down from an abstract parent: the type sent that section already
    owners = [t for t in owners if not _inherited(ctx, t, n.vmsd, wire)]
    if not owners:
        return
    names = ", ".join(t.name or t.name_expr or t.c_name for t in owners)
    note = _needed_note(ctx, n.vmsd, "new")
    yield Hit(
        message=(
            f"existing type {names} gains dc->vmsd '{wire or n.vmsd}': a new QEMU sends this "
            f'section and an older destination fails with "Unknown section or instance"'
            + (" unless its .needed is false for old machine types" if note else "")
        ),
        line=n.vmsd_line or change.line,
        side="new",
        entity=f"{n.function}.vmsd",
        severity=Severity.NOTE if note else None,
        fix_hint=(
            "give the vmsd a .needed tied to a property that hw_compat_X_Y turns off "
            "(pre_load defaults), or only set it for new machine types"
        ),
    )


def _inherited(ctx: RuleContext, t: TypeInfo, vmsd: str, wire: str | None) -> bool:
    """Whether an ancestor's class_init gave type `t` this vmsd (same C or wire name) at base
    (keyed on types: the parent's class_init may be renamed by the same series)."""
    seen: set[str] = set()
    cur: TypeInfo | None = K.find_type(ctx, "old", t.parent, t.parent_expr)
    while cur is not None and (cur.name or cur.c_name) not in seen:
        seen.add(cur.name or cur.c_name)
        ci = K.class_init_of(ctx, "old", cur.class_init) if cur.class_init else None
        if ci is not None and ci.vmsd and ci.vmsd_member in (None, "dc->vmsd", "k->vmsd"):
            return ci.vmsd == vmsd or (
                wire is not None and K.wire_name(ctx, ci.vmsd, "old") == wire
            )
        cur = K.find_type(ctx, "old", cur.parent, cur.parent_expr)
    tree = ctx.old_tree
    if tree is not None and t.name:  # a parent defined in a file the series leaves alone
        had = tree.vmsd_of_type(t.name)
        return had is not None and (
            had == vmsd or (wire is not None and K.wire_name(ctx, had, "old") == wire)
        )
    return False


def _creation(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    c = change.new
    if not isinstance(c, ObjectCreation) or c.call not in K.CREATE_CALLS or c.conditional:
        return
    if change.path not in K.VERSIONED_MACHINE_FILES:
        return
    tk = K.type_key(c)
    if tk is None:
        return
    stateful, vmsd = K.type_vmsd(ctx, "new", c.type_name, c.type_expr)
    if not stateful:
        return
    prev = change.old
    if change.op == "modified":
        if not isinstance(prev, ObjectCreation) or not prev.conditional:
            return  # was unconditional already
    else:
        # Moved from elsewhere, or already created in this file: MIG022's business.
        for _, o in K.creations(ctx, "old"):
            if K.type_key(o) == tk:
                return
    fn_existed = K.func_span(K.file_model(ctx, change.path, "old"), c.function) is not None
    if not fn_existed:
        return
    wire = K.wire_name(ctx, vmsd, "new") or vmsd or tk
    draft, edits = _gate(ctx, change.path, change.line, tk, c.type_name)
    yield Hit(
        message=(
            f"{c.function} now always creates stateful '{tk}' on a versioned machine: "
            f'migrating an old machine type to an older QEMU fails with "Unknown section or '
            f"instance '{wire}'\""
        ),
        line=change.line,
        side="new",
        entity=f"{c.call}({tk})@{c.function or '-'}",
        fix_draft=draft,
        fix_edits=edits,
    )
