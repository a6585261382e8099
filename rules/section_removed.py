"""MIG020 section-removed: a migration section that old QEMUs send is no longer there.

*What it flags*

- A `vmstate_register*()` call that disappears, or that becomes conditional (moved inside an
  `if`), or that moves out of a loop (fewer instances than before).
- A creation site (`object_new`, `qdev_new`, `object_initialize(_child)` ...) of a stateful
  type (its class sets `dc->vmsd`) that disappears from board code, becomes conditional, or
  moves from a loop over all possible objects (e.g. every possible vCPU) to per-object
  creation elsewhere (e.g. per CPU core). When the type cannot be resolved, the loop-to-single
  move is still reported when the creation reappears with the same QOM child name.
- A stateful QOM type that is deleted, and a type whose class stops setting `dc->vmsd`.

Not flagged: sections of `.unmigratable` vmsds (a VM that has such a device cannot migrate
at all), `dc->vmsd` moved to a parent class from which every type that had it still
gets the same wire name, a creation replaced in the same function by one whose type is
computed at run time (`object_new(object_class_get_name(oc))`: CPU models as subclasses), and
an unconditional creation that joins a shared path (a subclass reusing its base realize) which
already created the same type behind the same on-by-default boolean property.

A creation that only moves between functions (same count, not conditional) is a QOM reparent
(MIG022), not this rule; so is one creation of several of the same type in one function
going away (a count change). The series is judged as a whole: a later patch that registers a
placeholder vmsd with the same `.name` (VMSTATE_UNUSED fields only) silences the finding.

*Why it breaks migration*

A source running an older QEMU with an older machine type still sends the section (idstr =
`[dev-path/]vmsd name`, instance id). The new destination has no entry for it and aborts with
"Unknown section or instance '<idstr>' <n>" (`migration/savevm.c`). Missing sections are
silently accepted in the other direction, so only forward migration fails, and only for
machines that had the objects.

*Example*

5bc8d26de20c ("spapr: allocate the ICPState object from under sPAPRCPUCore") replaced the
machine's loop creating one ICP per possible vCPU by one ICP per present CPU core.
pseries-2.9 sources kept sending `icp/server` sections for absent vCPUs:
"Unknown savevm section or instance 'icp/server' N".

*Instead*

Register a placeholder section for the machine types that still had the objects, as
46f7afa37096 did: a `VMStateDescription` with the old `.name`, `version_id` and
`minimum_version_id`, `VMSTATE_UNUSED(<old wire size>)` for each old field and `.needed`
returning false, registered with `vmstate_register(NULL, <old instance id>, ...)` under a
machine-class flag (`smc->pre_2_10_has_unused_icps`) that the previous machine version sets;
unregister it when the real object appears. The finding carries a draft.

*References*

- docs/devel/migration/main.rst, "Stream structure"; migration/savevm.c
  `qemu_loadvm_section_start_full()` ("Unknown section or instance")
- QEMU commits 5bc8d26de20c, 46f7afa37096, 485fb95546
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.callgates import call_gates
from bot.model.entities import ClassInit, ObjectCreation, TypeInfo, Vmsd, VmstateRegistration
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.drafts import Instances, dummy_section_draft, machine_families
from bot.rulekit.hooks import switch_members

RULE = RuleSpec(
    id="MIG020",
    name="section-removed",
    severity=Severity.ERROR,
    category=Category.SECTION_REMOVED,
    confidence="high",
    scope="series",
    message="a migration section old machine types send is no longer provided",
    fix_hint=(
        "register a placeholder vmsd with the old name and VMSTATE_UNUSED sizes for the old "
        "machine types (machine-class flag), as 46f7afa37096 did"
    ),
    kinds=("registration", "creation", "type", "class_init"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report sections that old sources send and the new code no longer provides."""
    if change.kind == "registration":
        yield from _registration(change, ctx)
    elif change.kind == "creation":
        yield from _creation(change, ctx)
    elif change.kind == "type" and change.op == "removed":
        yield from _type_removed(change, ctx)
    elif change.kind == "class_init" and change.op in ("modified", "removed"):
        yield from _class_init(change, ctx)


# ---- helpers --------------------------------------------------------------------------------


def _dummy_covers(ctx: RuleContext, wire: str | None, hints: set[str]) -> bool:
    """A placeholder registration on the new side swallows this section.

    With a known wire name the placeholder must have that `.name`; without one (unresolved
    type), its name must start with one of the hint stems (QOM child name, type tokens).
    """
    for _, _, v in K.dummy_registrations(ctx):
        if v.name is None:
            continue
        if wire is not None:
            if v.name == wire:
                return True
            continue
        head = v.name.split("/")[0].lower()
        if head in hints or any(h and head.startswith(h) for h in hints):
            return True
    return False


def _draft(
    ctx: RuleContext,
    wire: str | None,
    old_vmsd: Vmsd | None,
    inst: Instances,
    change: EntityChange,
    fn: str | None,
    type_name: str | None = None,
) -> tuple[str, tuple[DraftEdit, ...]]:
    """The dummy-section draft; `fn` is the old function that registered or created the
    section (or the class_init that set dc->vmsd): the dummy goes before it if it is still
    there at head."""
    path = change.old_path or change.path
    span = K.func_span(K.file_model(ctx, change.path, "new"), fn) if fn else None
    place = (change.path, span[0]) if span is not None else None
    return dummy_section_draft(ctx, wire, old_vmsd, inst, machine_families(ctx, path, type_name),
                               place)  # fmt: skip


def _keep_or_dummy(
    ctx: RuleContext,
    change: EntityChange,
    line: int,
    cond: str | None,
    what: str,
    dummy: Callable[[], tuple[str, tuple[DraftEdit, ...]]],
) -> tuple[str, tuple[DraftEdit, ...]]:
    """What became conditional stays as it was for old machine types (its condition or'ed
    with a machine class flag); the dummy section when that `if` cannot be placed."""
    kept = D.keep_for_old_draft(ctx, change.path, line, cond or "", what,
                                machine_families(ctx, change.path, None))  # fmt: skip
    return kept if kept is not None else dummy()


def _reg_instances(r: VmstateRegistration) -> Instances:
    if r.in_loop:
        return Instances(True, r.loop_bound, "i")
    return Instances(False, None, r.instance_id or "0")


def _made_instances(c: ObjectCreation) -> Instances:
    return Instances(c.in_loop, c.loop_bound, "i" if c.in_loop else "0")


def _hit(
    change: EntityChange,
    message: str,
    entity: str,
    draft: tuple[str, tuple[DraftEdit, ...]],
    *,
    confidence: str | None = None,
    severity: Severity | None = None,
) -> Hit:
    return Hit(
        message=message,
        line=change.line,
        side=change.side,
        entity=entity,
        fix_draft=draft[0],
        fix_edits=draft[1],
        confidence=confidence,
        severity=severity,
    )


# ---- vmstate_register* ----------------------------------------------------------------------


def _registration(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old = change.old
    if not isinstance(old, VmstateRegistration) or old.call not in K.REGISTER_CALLS:
        return
    wire = K.wire_name(ctx, old.vmsd, "old")
    section = wire or old.vmsd_expr
    old_vmsd = K.find_vmsd(ctx, old.vmsd, "old")
    if old_vmsd is not None and old_vmsd.unmigratable:
        return  # a VM with it could not migrate at all
    entity = f"{old.vmsd or K.norm(old.vmsd_expr)}@{old.function or '-'}"
    new_regs = [r for _, r in K.registrations(ctx, "new")]
    same = [r for r in new_regs if old.vmsd is not None and r.vmsd == old.vmsd]
    if change.op == "modified" and isinstance(change.new, VmstateRegistration):
        same = [change.new]
    elif change.op != "removed":
        return
    if _dummy_covers(ctx, wire, set()) and not any(
        not r.conditional and r.in_loop == old.in_loop for r in same
    ):
        return
    if not same:
        # Same wire name under another C symbol, or now set as dc->vmsd: moved, not removed.
        if wire is not None and any(K.wire_name(ctx, r.vmsd, "new") == wire for r in new_regs):
            return
        if old.vmsd is not None and any(
            ci.vmsd == old.vmsd for _, m in K.models(ctx, "new") for ci in m.class_inits
        ):
            return
        yield _hit(
            change,
            f"vmstate_register of section '{section}' removed: sources running older QEMU "
            f'still send it and the destination fails with "Unknown section or instance '
            f"'{section}'\"",
            entity,
            _draft(ctx, wire, old_vmsd, _reg_instances(old), change, old.function),
        )
        return
    if not old.conditional and all(r.conditional for r in same):
        if _gate_moved_in(ctx, old.function, [r.condition for r in same]):
            return
        if any(D.KEEP_FLAG.search(r.condition or "") for r in same):
            return  # kept for the machine types whose class sets the flag
        cond = same[0].condition or "a condition"
        yield _hit(
            change,
            f"registration of section '{section}' now depends on `{cond}`: when it is false, "
            f"older sources still send '{section}' and migration fails with \"Unknown section "
            f'or instance"',
            entity,
            _keep_or_dummy(ctx, change, same[0].line, same[0].condition, section,
                           lambda: _draft(ctx, wire, old_vmsd, _reg_instances(old), change,
                                          old.function)),
            confidence="medium",
        )
        return
    if old.in_loop and not any(r.in_loop for r in same):
        yield _hit(
            change,
            f"registration of section '{section}' moved out of a loop: fewer instances than "
            f"older QEMUs register, whose extra '{section}' sections will be unknown",
            entity,
            _draft(ctx, wire, old_vmsd, _reg_instances(old), change, old.function),
            confidence="medium",
        )


def _cond_key(cond: str | None) -> str:
    """A condition without spaces and call parentheses: `f()` and a variable `f` match."""
    return re.sub(r"\(\s*\)|\s+", "", cond or "")


def _gate_moved_in(ctx: RuleContext, fn: str | None, conds: list[str | None]) -> bool:
    """The old function was only called under the condition the registration now has
    inside it (`if (css_migration_enabled()) css_register_vmstate();` became an `if` in
    css_register_vmstate): the same gate, moved; whether the gate itself changed meaning
    is for the rules on what sets it."""
    if fn is None:
        return False
    files = K.file_changes(ctx)
    gates = [g for fc in files if fc.old is not None
             for g in call_gates(fc.old.decode("utf-8", "replace"), fn)]  # fmt: skip
    if not gates or not all(gates):
        return False
    before = {_cond_key(g) for g in gates}
    return all(c is not None and _cond_key(c) in before for c in conds)


# ---- creation sites -------------------------------------------------------------------------

_CONSTANT_TYPE = re.compile(r'[A-Z][A-Z0-9_]*|"[^"]*"')


def _dynamic_creation_added(ctx: RuleContext, old: ObjectCreation) -> bool:
    """The function that created `old` now creates an object whose type is computed at run
    time (`object_new(object_class_get_name(oc))` after `cpu_class_by_name(TYPE_LM32_CPU,
    model)`, 34f4aa83f967): the CPU model subclasses of the QOM conversions. Which type it is
    cannot be read, so the old object cannot be said to be gone."""
    if old.function is None:
        return False
    for ch in ctx.changes:
        c = ch.new
        if ch.kind != "creation" or ch.op == "removed" or not isinstance(c, ObjectCreation):
            continue
        if c.function != old.function or c.call not in K.CREATE_CALLS or c.type_name:
            continue
        expr = (c.type_expr or "").strip()
        if expr and not _CONSTANT_TYPE.fullmatch(expr):
            return True
    return False


_MEMBER_COND = re.compile(r"(?:\w+(?:->|\.))*(\w+)")


def _joins_gated_path(
    ctx: RuleContext,
    change: EntityChange,
    old: ObjectCreation,
    matches: list[ObjectCreation],
    tkey: str | None,
) -> bool:
    """An unconditional creation replaced by a shared code path (a subclass now reusing its
    base class's realize, 2922dbc28c74) that already created the same type, on the old side,
    under the same condition, a boolean property that defaults to on (`d->has_acpi` of
    `DEFINE_PROP_BOOL("has-acpi", ..., true)`): with the default the object is still created.
    A gate new to the type, or one that defaults to off, is still reported."""
    conds = {_cond_key(c.condition) for c in matches}
    if tkey is None or len(conds) != 1:
        return False
    cond = next(iter(conds))
    m = _MEMBER_COND.fullmatch(cond)
    if m is None:
        return False
    on_by_default = switch_members(
        p for _, fm in K.models(ctx, "new") for p in fm.properties
        if (p.default or "").strip() == "true"
    )
    if m.group(1) not in on_by_default:
        return False
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None:
        return False
    return any(
        c.conditional and c.line != old.line and K.type_key(c) == tkey
        and _cond_key(c.condition) == cond
        for c in old_m.creations
    )


def _creation(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old = change.old
    if not isinstance(old, ObjectCreation):
        return
    if old.call not in K.CREATE_CALLS and old.call not in K.PARENT_CALLS:
        return
    old_path = change.old_path or change.path
    if old.call in K.PARENT_CALLS and K.linked_add_child(ctx, "old", old_path, old):
        return  # the creating call it parents for carries the finding
    stateful, vmsd_c = K.type_vmsd(ctx, "old", old.type_name, old.type_expr)
    if stateful is False:
        return
    child = old.child_name
    guessed = False
    if stateful is None and old.type_name is None:
        # `object_initialize(icp, size, type_icp)`: guess the type from the child name.
        g = K.guess_type(ctx, "old", K.stem(child))
        if g is not None:
            _, vmsd_c = K.type_vmsd(ctx, "old", g.name, g.name_expr)
            guessed = True
    old_vmsd = K.find_vmsd(ctx, vmsd_c, "old")
    if old_vmsd is not None and old_vmsd.unmigratable:
        return  # a VM with it could not migrate at all
    wire = old_vmsd.name if old_vmsd is not None else None
    hints = {h for h in (K.stem(child),) if h} | (
        K.ident_tokens(old.type_expr) - {"type", "object", "device", "obj", "s", "dev"}
    )
    if _dummy_covers(ctx, wire, hints):
        return
    tkey = K.type_key(old)
    what = wire or child or tkey or "object"
    entity = f"{old.call}({tkey or '?'})@{old.function or '-'}"

    matches: list[ObjectCreation] = []
    if change.op == "modified" and isinstance(change.new, ObjectCreation):
        matches = [change.new]
    elif change.op == "removed":
        # Only creations this unit adds or changes can be "the same objects, moved".
        fresh = {
            (ch.path, ch.new.line)
            for ch in ctx.changes
            if ch.kind == "creation" and isinstance(ch.new, ObjectCreation)
        }
        for p, c in K.creations(ctx, "new"):
            if (p, c.line) not in fresh:
                continue
            if tkey is not None and K.type_key(c) == tkey and (old.type_name or c.type_name):
                matches.append(c)
            elif K.stem(child) is not None and K.stem(c.child_name) == K.stem(child):
                matches.append(c)
            elif wire is not None and _same_section_type(ctx, c, wire):
                matches.append(c)  # the type was renamed; its section was not
    else:
        return

    if not matches:
        if stateful is None:
            return  # type unknown: cannot tell whether a section goes away
        if _dynamic_creation_added(ctx, old):
            return  # the same function now creates a type chosen at run time (a subclass)
        new_model = K.file_model(ctx, change.path, "new")
        if new_model is not None and any(
            K.type_key(c) == tkey and c.function == old.function
            for c in new_model.creations
            if c.call in K.CREATE_CALLS
        ):
            return  # some instances remain here: a count change, MIG022's finding
        yield _hit(
            change,
            f"stateful object '{tkey}' (section '{wire or vmsd_c}') is no longer created "
            f"here: older sources send its section and the destination fails with "
            f'"Unknown section or instance"',
            entity,
            _draft(ctx, wire, old_vmsd, _made_instances(old), change, old.function, old.type_name),
        )
        return
    if old.in_loop and not any(c.in_loop for c in matches):
        where = matches[0].function or "elsewhere"
        yield _hit(
            change,
            f"'{what}' objects were created in a loop in {old.function or 'board code'} (one "
            f"per possible instance) and are now created once per call in {where}: machines "
            f"of older QEMUs send a section for every possible instance and the extra ones are "
            f'"Unknown section or instance" here (5bc8d26de20c)',
            entity,
            _draft(ctx, wire, old_vmsd, _made_instances(old), change, old.function, old.type_name),
            confidence="high" if stateful and not guessed else "medium",
        )
        return
    if not old.conditional and all(c.conditional for c in matches):
        if any(D.KEEP_FLAG.search(c.condition or "") for c in matches):
            return  # kept for the machine types whose class sets the flag
        if _joins_gated_path(ctx, change, old, matches, tkey):
            return  # a shared realize that already created it behind an on-by-default switch
        cond = matches[0].condition or "a condition"
        yield _hit(
            change,
            f"'{what}' is now created only when `{cond}`: when it is not, older sources "
            f'still send its section ("Unknown section or instance")',
            entity,
            _keep_or_dummy(ctx, change, matches[0].line, matches[0].condition, tkey or what,
                           lambda: _draft(ctx, wire, old_vmsd, _made_instances(old), change,
                                          old.function, old.type_name)),
            confidence="high" if stateful else "medium",
        )


# ---- types and class_init -------------------------------------------------------------------


def _type_removed(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old = change.old
    if not isinstance(old, TypeInfo) or old.abstract:
        return
    for _, t in K.types(ctx, "new"):
        if t.name == old.name or (t.class_init and t.class_init == old.class_init):
            return  # moved or renamed (MIG021)
    ci = K.class_init_of(ctx, "old", old.class_init)
    if ci is None or not ci.vmsd or ci.vmsd_member not in (None, "dc->vmsd", "k->vmsd"):
        return
    v = K.find_vmsd(ctx, ci.vmsd, "old")
    if v is not None and v.name is not None and _renamed_type_keeps(ctx, old, v.name):
        return  # the type was renamed and its section was not
    if v is not None and v.unmigratable:
        return  # a VM with it could not migrate at all
    wire = v.name if v is not None else None
    if _dummy_covers(ctx, wire, set()):
        return
    yield _hit(
        change,
        f"stateful type '{old.name or old.name_expr}' (section '{wire or ci.vmsd}') is "
        f"deleted: a source that has such a device sends '{wire or ci.vmsd}' and the "
        f'destination fails with "Unknown section or instance"',
        f"type:{old.name or old.c_name}",
        _draft(ctx, wire, v, Instances(False, None, "0"), change, None, old.name),
    )


def _types_keep_section(ctx: RuleContext, change: EntityChange, function: str, wire: str) -> bool:
    """Every concrete type whose class_init was `function` (old side, this file) still gets a
    vmsd with that wire name, its own or an ancestor's (QOM reparenting onto an abstract
    parent that sets dc->vmsd). Keyed on the types, not the function's name: a class_init
    renamed, or its name reused for another function, does not matter."""
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None:
        return False
    users = [t for t in old_m.types if t.class_init == function and not t.abstract]
    if not users:
        return False
    for t in users:
        stateful, vmsd_c = K.type_vmsd(ctx, "new", t.name, t.name_expr)
        if not stateful or K.wire_name(ctx, vmsd_c, "new") != wire:
            return False
    return True


def _same_section_type(ctx: RuleContext, c: ObjectCreation, wire: str) -> bool:
    """A creation whose (resolved) type sends a section with this wire name."""
    if c.type_name is None and c.type_expr is None:
        return False
    stateful, vmsd_c = K.type_vmsd(ctx, "new", c.type_name, c.type_expr)
    return bool(stateful) and K.wire_name(ctx, vmsd_c, "new") == wire


def _renamed_type_keeps(ctx: RuleContext, old: TypeInfo, wire: str) -> bool:
    """A type the unit adds under another name that sends the same section, and that
    something on the new side creates or that has the same parent: the old type renamed."""
    old_names = {t.name for _, t in K.types(ctx, "old") if t.name}
    for _, t in K.types(ctx, "new"):
        if not t.name or t.name in old_names or t.abstract:
            continue
        stateful, vmsd_c = K.type_vmsd(ctx, "new", t.name, t.name_expr)
        if not stateful or K.wire_name(ctx, vmsd_c, "new") != wire:
            continue
        created = any(t.name in (K.type_key(c), c.type_name) for _, c in K.creations(ctx, "new"))
        if created or (t.parent or t.parent_expr) == (old.parent or old.parent_expr):
            return True
    return False


def _class_init(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old, new = change.old, change.new
    if not isinstance(old, ClassInit):
        return
    if new is None:
        # The model drops a ClassInit that sets nothing: the function may well remain.
        fn_alive = any(
            old.function in {f for f, _, _ in m.functions} for _, m in K.models(ctx, "new")
        )
        if not fn_alive:
            return  # class gone: the type removal (if any) reports it
    elif not isinstance(new, ClassInit) or new.vmsd:
        return
    if not old.vmsd or old.vmsd_member not in (None, "dc->vmsd", "k->vmsd"):
        return
    v = K.find_vmsd(ctx, old.vmsd, "old")
    if v is not None and v.unmigratable:
        return  # a VM with it could not migrate at all
    wire = v.name if v is not None else None
    # dc->vmsd -> vmstate_register of the same section elsewhere: converted, not removed.
    for _, r in K.registrations(ctx, "new"):
        if r.vmsd == old.vmsd or (wire and K.wire_name(ctx, r.vmsd, "new") == wire):
            return
    if wire is not None and _types_keep_section(ctx, change, old.function, wire):
        return  # dc->vmsd moved to a parent class every such type still inherits
    yield _hit(
        change,
        f"{old.function} no longer sets dc->vmsd ('{wire or old.vmsd}'): sources running "
        f'older QEMU send that section and the destination fails with "Unknown section or '
        f'instance"',
        f"{old.function}.vmsd",
        _draft(ctx, wire, v, Instances(False, None, "0"), change, old.function),
    )
