"""MIG021 section-renamed: the name a section carries on the wire changes.

*What it flags*

- The `.name` of a top-level `VMStateDescription` (one set as `dc->vmsd` or passed to
  `vmstate_register*()`) changes → error.
- A class whose `dc->vmsd` now points at a vmsd with a different `.name` → error.
- A QOM type name of a stateful type (its class sets `dc->vmsd`) changes → note only.

A vmsd used only through `VMSTATE_STRUCT` (or as a subsection; see MIG005) is not on the wire
by name, so renaming it is not reported. Neither is a rename of an `.unmigratable` section (on
either side): a VM holding such a device is refused migration and savevm, so its name never
reaches a stream.

*Why it breaks migration*

The section idstr is `[<bus dev-path>/]<vmsd name>`. A renamed section is unknown to the
other side: "Unknown section or instance '<new name>'" in one direction and the old one in
the other. Renaming only the QOM type is harmless on the wire, but `-dump-vmstate` is keyed by
type name (vmstate-static-checker then reports "Section ... does not exist in dest"),
`hw_compat` entries and `-device`/`-global` command lines that use the old name stop matching.

*Example*

c827c06a4d renamed `vmstate_m25p80`'s `.name` from "xilinx_spi" to "m25p80" (an accepted
break on unversioned boards). 292b1634 renamed the QOM type "ICH9 LPC" to "ICH9-LPC", which
needed an entry in the static checker's rename map.

*Instead*

Never rename a section on the wire; rename the C symbol only. For a QOM type rename keep an
alias type for command lines and update compat entries and checker maps.

*References*

- docs/devel/migration/main.rst, "Stream structure"; migration/savevm.c `find_se()`
  (sections are found by idstr and instance id)
- QEMU commits c827c06a4d, 292b1634
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import ClassInit, TypeInfo, Vmsd
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG021",
    name="section-renamed",
    severity=Severity.ERROR,
    category=Category.SECTION_RENAMED,
    confidence="high",
    scope="patch",
    message="a section's name on the wire (top-level vmsd .name) changes",
    fix_hint="keep the old `.name`; rename only the C symbol",
    kinds=("vmsd", "class_init", "type"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report wire-name changes of top-level sections and renames of stateful types."""
    if change.kind == "vmsd" and change.op == "modified":
        yield from _vmsd(change, ctx)
    elif change.kind == "class_init" and change.op == "modified":
        yield from _class_init(change, ctx)
    elif change.kind == "type":
        yield from _type(change, ctx)


def _top_level(ctx: RuleContext, c_name: str) -> bool | None:
    """True when the vmsd is a section (dc->vmsd / vmstate_register), False when nested only."""
    sides: tuple[K.Side, ...] = ("old", "new")
    for side in sides:
        for _, m in K.models(ctx, side):
            if any(ci.vmsd == c_name for ci in m.class_inits):
                return True
            if any(r.vmsd == c_name for r in m.registrations):
                return True
        t = K.tree(ctx, side)
        if t is not None and t.types_for_vmsd(c_name):
            return True
    nested = False
    for side in sides:
        for _, m in K.models(ctx, side):
            for v in m.vmsds:
                if c_name in v.subsections or any(f.vmsd_ref == c_name for f in v.fields):
                    nested = True
    return False if nested else None


def _vmsd(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old, new = change.old, change.new
    if not isinstance(old, Vmsd) or not isinstance(new, Vmsd):
        return
    if old.name is None or new.name is None or old.name == new.name:
        return
    if old.unmigratable or new.unmigratable:
        return  # no stream ever carries this section (migration and savevm are blocked)
    top = _top_level(ctx, new.c_name)
    if top is False:
        return
    if top is None and "/" in old.name:
        return  # looks like a subsection name: MIG005's business
    yield Hit(
        message=(
            f"section '{old.name}' renamed to '{new.name}': the idstr changes, so migration "
            f'in either direction fails with "Unknown section or instance"'
        ),
        line=change.line,
        side="new",
        entity=f"{new.c_name}.name",
        fix_draft=f'    .name = "{old.name}",',
        fix_edits=(
            D.replace_line(change.path, new.line, f'    .name = "{old.name}",',
                           pattern=r"^\s*\.name\s*=", end_line=new.end_line),
        ),
        confidence="high" if top else "medium",
    )


def _class_init(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    old, new = change.old, change.new
    if not isinstance(old, ClassInit) or not isinstance(new, ClassInit):
        return
    if not old.vmsd or not new.vmsd or old.vmsd == new.vmsd:
        return
    ow = K.wire_name(ctx, old.vmsd, "old")
    nw = K.wire_name(ctx, new.vmsd, "new")
    if ow is None or nw is None or ow == nw:
        return
    ov, nv = K.find_vmsd(ctx, old.vmsd, "old"), K.find_vmsd(ctx, new.vmsd, "new")
    if (ov is not None and ov.unmigratable) or (nv is not None and nv.unmigratable):
        return  # the old or new section is never on a stream
    yield Hit(
        message=(
            f"{new.function} now sets dc->vmsd to '{nw}' instead of '{ow}': the section "
            f'idstr changes ("Unknown section or instance")'
        ),
        line=new.vmsd_line or change.line,
        side="new",
        entity=f"{new.function}.vmsd",
    )


def _type(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    # Types are keyed by name: a rename is removed+added. Pair them by C name / class_init.
    if change.op != "added" or not isinstance(change.new, TypeInfo):
        return
    new = change.new
    for ch in ctx.changes:
        if ch.kind != "type" or ch.op != "removed" or not isinstance(ch.old, TypeInfo):
            continue
        old = ch.old
        if old.name == new.name:
            continue
        if old.c_name != new.c_name and not (old.class_init and old.class_init == new.class_init):
            continue
        stateful, _ = K.type_vmsd(ctx, "new", new.name, new.name_expr)
        if not stateful:
            return
        yield Hit(
            message=(
                f"QOM type '{old.name}' renamed to '{new.name}': harmless on the wire, but "
                f"-dump-vmstate keys, hw_compat entries and -device/-global command lines "
                f"naming '{old.name}' no longer match"
            ),
            line=change.line,
            side="new",
            entity=f"type:{new.c_name}",
            severity=Severity.NOTE,
            confidence="medium",
            fix_hint="keep an alias type; update compat entries and the static checker map",
        )
        return
