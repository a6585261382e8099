"""MIG001 vmstate-field-added-no-version: field added without a version gate

*What it flags*

A field added to an existing `VMStateDescription` (a section, a subsection or a struct
description nested into one) without anything that keeps older streams parsing: no `_V(n)`
with a matching `version_id` bump, no `_TEST(fn)` predicate, and not inside a newly added
subsection. A `_V(n)` whose `n` is a macro (`VMSTATE_UINT32_V(tso, S, FOO_VM_V2)`) counts
with the value of its `#define` in the files of the series.

*Why it breaks migration*

The wire format is positional and untyped. A destination built from the new code reads the
new field from a stream sent by an older QEMU that never wrote it: it consumes bytes that
belong to the next field or to the section footer and fails with "Missing section footer for
<idstr>" (old→new). The other way round, an older destination finds leftover bytes after its
last field and fails the same way (new→old).

*Example*

```c
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(irq_mask, FooState),   /* new */
        VMSTATE_END_OF_LIST()
    },
};
```

*Instead*

Put the new state in a subsection whose `.needed` returns a device property that defaults to
on and is switched off for older machine types in `hw_compat_X_Y`; give the field a sane
default in `pre_load` for streams without the subsection (docs/devel/migration/main.rst,
"Connecting subsections to properties"). For devices that never appear on versioned machine
types a `_V(n)` field plus a `version_id` bump is acceptable (it still breaks new→old).

*References*

- docs/devel/migration/main.rst: "Subsections", "Connecting subsections to properties"
- e6fa978d83 "hw/arm/virt: Disable pl011 clock migration if needed"
- ab57b51f13 "scsi: save/load SCSI reservation state" (`scsi-disk/pr`)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import Vmsd, VmstateField
from bot.rulekit import drafts as D
from bot.rulekit.layout import int_lookup
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    field_version,
    label_list,
    same_wire_fields,
    vmsd_change,
    vmsd_label,
    vmsd_uses,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG001",
    name="vmstate-field-added-no-version",
    severity=Severity.ERROR,
    category=Category.FIELD_ADDED_NO_VERSION,
    confidence="high",
    scope="patch",
    message="field added to an existing vmsd without a version gate or subsection",
    fix_hint=(
        "move the new field into a subsection whose .needed returns a compat property "
        "(default on, off in the previous release's hw_compat array) and set a default in "
        "pre_load"
    ),
    kinds=("vmsd",),
)


def _is_gated(ctx: RuleContext, f: VmstateField, old: Vmsd, new: Vmsd) -> bool:
    """True when older streams skip the field: a _TEST predicate or a real _V gate (versions
    written as macros take the value of their #define, wherever in the tree it is)."""
    if f.test:
        return True
    fv = field_version(ctx, f, "new")
    old_ver = old.version_id
    if old_ver is None and old.version_expr is not None:
        old_ver = cscan.eval_int(old.version_expr, int_lookup(ctx, "old"))
        if old_ver is None:
            return fv > 1  # version is a macro we could not resolve: trust the _V
    if fv > (old_ver or 0):
        # _V(n) beyond the old version: MIG004 (bumped) or MIG014 (nested) own it, and if
        # version_id was not raised the field is never sent at all.
        return True
    return False


def _ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "field"


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield one hit per vmsd, on the first field added without a gate."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new) or same_wire_fields(ctx, old, new):
        return
    d = change.fields
    if d is None:
        return
    bad = [f for f in d.added if not _is_gated(ctx, f, old, new)]
    if not bad:
        return
    uses = vmsd_uses(ctx, new.c_name, "new")
    name = vmsd_label(new)
    if uses.nested_only:
        parents = ", ".join(sorted({f"'{vmsd_label(p)}'" for p in uses.nested_in}))
        where = f"struct description '{name}' (nested via VMSTATE_STRUCT & co. in {parents})"
    elif uses.is_subsection:
        where = f"subsection '{name}'"
    else:
        where = f"vmsd '{name}'"
    if uses.nested_only:
        stem = _ident(field_label(bad[0]).split(".")[-1])
        draft, edits = D.predicate_gate_draft(ctx, new, bad, stem)
    else:
        owner = uses.subsection_of[0] if uses.is_subsection else None
        draft, edits = D.subsection_gate_draft(ctx, new, bad, owner)
    first = bad[0]
    what = (
        f"field '{field_label(first)}' ({first.macro})"
        if len(bad) == 1
        else f"fields {label_list(bad)}"
    )
    yield Hit(
        message=(
            f"{what} added to {where} without a version gate: migration from older QEMU "
            "(old→new) fails because the destination reads bytes the source never sent "
            "(\"Missing section footer\"), and migration to older QEMU (new→old) fails on the "
            "extra bytes"
        ),
        line=first.line,
        side="new",
        entity=field_entity(new, first),
        fix_draft=draft,
        fix_edits=edits,
    )
