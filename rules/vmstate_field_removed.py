"""MIG002 vmstate-field-removed: field removed from or moved within a vmsd

*What it flags*

A field removed from an existing `VMStateDescription`, a field moved to another position
(reordering), or a field replaced by `VMSTATE_UNUSED` placeholders whose size differs from
what the old field(s) put on the wire. Renaming only the C member (same macro, same size,
same position) is not flagged.

*Why it breaks migration*

Fields are sent one after another with no names. When one disappears, every later field is
read from the wrong offset: an older source's stream no longer matches the new layout
(old→new fails with "Missing section footer" or, worse, loads garbage silently), and an
older destination waits for bytes the new source does not send (new→old). A reorder of
same-sized fields corrupts state silently.

*Example*

```c
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
-       VMSTATE_BOOL(legacy_mode, FooState),
        VMSTATE_UINT32(status, FooState),
        VMSTATE_END_OF_LIST()
    },
```

*Instead*

Keep the hole: replace the field with `VMSTATE_UNUSED(<size it had on the wire>)` — 1 for a
bool, 4 for a uint32, the element size times the count for arrays. The new source sends
zeros there and the new destination skips the bytes. Several removed neighbours can become
one `VMSTATE_UNUSED` of the summed size.

*References*

- include/migration/vmstate.h `VMSTATE_UNUSED` (the source sends zeros, the destination
  skips that many bytes); docs/devel/migration/main.rst, "Changing migration data structures"
- 47d50cc421 (AMD IOMMU `ats_enabled` → `VMSTATE_UNUSED(1)`), 41df6c8300 (PL011 `readbuff`)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.rulekit import drafts as D
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    same_wire_fields,
    size_text,
    sum_wire,
    vmsd_change,
    vmsd_label,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG002",
    name="vmstate-field-removed",
    severity=Severity.ERROR,
    category=Category.FIELD_REMOVED,
    confidence="high",
    scope="patch",
    message="field removed from or moved within a vmsd",
    fix_hint=(
        "keep the wire layout: replace the removed field with VMSTATE_UNUSED(<its wire "
        "size>) at the same position; never reorder fields"
    ),
    kinds=("vmsd",),
)

_BREAK = (
    "migration from older QEMU (old→new) fails with \"Missing section footer\" or loads "
    "shifted state, and migration to older QEMU (new→old) fails the same way"
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for removed, moved and wrongly replaced fields."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new) or same_wire_fields(ctx, old, new):
        return
    d = change.fields
    if d is None:
        return
    name = vmsd_label(new)
    last = old.payload_fields[-1] if old.payload_fields else None
    pairs = {id(o): n for o, n in d.pairs}
    path = change.path
    for f in d.removed:
        size = f.wire_size
        shift = (
            "the stream gets shorter"
            if f is last
            else "the fields after it shift"
        )
        draft = D.unused_line(ctx, [f])
        at = D.field_insert_line(old, new, pairs, f)
        edits: tuple[DraftEdit, ...] = (
            (D.insert_before(path, at, draft),) if at is not None else ()
        )
        if f.test:
            # A _TEST field is only on the wire when its predicate says so; dropping it is
            # right when the predicate was false for every machine type still supported
            # (typically after removing old machine types).
            yield Hit(
                message=(
                    f"field '{field_label(f)}' ({f.macro}, gated by {f.test}) removed from "
                    f"vmsd '{name}': fine only if {f.test} returned false for every machine "
                    "type still supported; otherwise migration from older QEMU (old→new) "
                    "fails because those sources still send it"
                ),
                line=f.line,
                side="old",
                entity=field_entity(old, f),
                fix_draft=draft,
                fix_edits=edits,
                severity=Severity.WARNING,
                confidence="medium",
            )
            continue
        yield Hit(
            message=(
                f"field '{field_label(f)}' ({f.macro}, {size_text(size)} on the wire) removed "
                f"from vmsd '{name}': {shift}; {_BREAK}"
            ),
            line=f.line,
            side="old",
            entity=field_entity(old, f),
            fix_draft=draft,
            fix_edits=edits,
        )
    for _of, nf in d.moved:
        yield Hit(
            message=(
                f"field '{field_label(nf)}' moved to another position in vmsd '{name}': the "
                f"wire layout is positional, so reordering fields corrupts state; {_BREAK}"
            ),
            line=nf.line,
            side="new",
            entity=field_entity(new, nf),
            fix_hint="restore the original field order",
        )
    for r in d.replaced:
        old_size = sum_wire(r.old)
        new_size = sum_wire(r.new)
        labels = ", ".join(f"'{field_label(f)}'" for f in r.old)
        anchor = r.new[0]
        if old_size is not None and new_size is not None:
            if old_size == new_size:
                continue
            draft = D.unused_line(ctx, list(r.old))
            edits = tuple(
                D.replace_line(path, nf.line, draft if k == 0 else "",
                               pattern=rf"\b{re.escape(nf.macro)}\s*\(")
                for k, nf in enumerate(r.new)
            )  # fmt: skip
            yield Hit(
                message=(
                    f"VMSTATE_UNUSED placeholder in vmsd '{name}' is {size_text(new_size)} but "
                    f"the removed field(s) {labels} were {size_text(old_size)} on the wire; "
                    f"{_BREAK}"
                ),
                line=anchor.line,
                side="new",
                entity=field_entity(new, anchor),
                fix_draft=draft,
                fix_edits=edits,
            )
        else:
            yield Hit(
                message=(
                    f"could not verify that the VMSTATE_UNUSED placeholder in vmsd '{name}' "
                    f"has the wire size of the removed field(s) {labels} "
                    f"(old {size_text(old_size)}, new {size_text(new_size)})"
                ),
                line=anchor.line,
                side="new",
                entity=field_entity(new, anchor),
                severity=Severity.NOTE,
                confidence="low",
            )
