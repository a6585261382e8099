"""MIG007 vmsd-missing-end-of-list: VMStateField array without VMSTATE_END_OF_LIST()

*What it flags*

A `.fields` array of an added or modified `VMStateDescription` whose last entry is not
`VMSTATE_END_OF_LIST()`, and an inline `.subsections` list whose last entry is not `NULL`.
Only lists the change touched are reported. The severity holds on every board, versioned
machine types or not: the defect breaks savevm/loadvm of the very same binary.

*Why it breaks migration*

The save and load loops walk the `VMStateField` array until they meet the `VMS_END` flag,
and the subsection list until they meet a NULL pointer. Without the terminator they run
past the end of the array into whatever follows in memory: the stream gets garbage fields
or subsections, or QEMU crashes while saving or loading, on both sides of a migration.

*Example*

```c
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(status, FooState),
    },
```

*Instead*

End every `.fields` array with `VMSTATE_END_OF_LIST()` and every `.subsections` list with
`NULL`.

*References*

- include/migration/vmstate.h `VMSTATE_END_OF_LIST`
- migration/vmstate.c `vmstate_load_state` / `vmstate_save_state_v` (loop on `field->name`),
  `vmstate_subsection_save` (loop on `*sub`)
- 37352df30fbc (xhci event fields), 16f5396cec23 (loongarch CPU subsections, fixed by adding
  the NULL)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd
from bot.rulekit import drafts as D
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.vmsd import vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG007",
    name="vmsd-missing-end-of-list",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="VMStateField array without VMSTATE_END_OF_LIST()",
    fix_hint="terminate the .fields array with VMSTATE_END_OF_LIST()",
    kinds=("vmsd",),
    any_reach=True,
)


def _missing(v: Vmsd) -> bool:
    return bool(v.fields) and not v.fields[-1].is_end


def _null_after(ctx: RuleContext, v: Vmsd) -> tuple[DraftEdit, ...]:
    """The edit putting NULL after the list's last subsection (a comma added if missing)."""
    at = find_vmsd_at(ctx, v.c_name, "new")
    if at is None or not v.subsections:
        return ()
    last = re.escape(v.subsections[-1])
    return (D.sub_in(at[1], v.line, v.end_line, rf"^(\s*)(&\s*{last})\s*,?\s*$",
                     r"\g<1>\g<2>,\n\g<1>NULL"),)  # fmt: skip


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit when the change leaves a .fields or .subsections list unterminated."""
    old, new = vmsd_change(change)
    if new is None:
        return
    if new.subsections and not new.subsections_terminated:
        if old is None or not old.subsections or old.subsections_terminated:
            yield Hit(
                message=(
                    f"the .subsections list of vmsd '{vmsd_label(new)}' does not end with "
                    "NULL: save and load walk past the list into unrelated memory (garbage "
                    "subsections or a crash on both sides)"
                ),
                line=new.end_line,
                side="new",
                entity=f"{new.c_name}.subsections",
                fix_draft="        NULL",
                fix_edits=_null_after(ctx, new),
                fix_hint="terminate the .subsections list with NULL",
            )
    if not _missing(new):
        return
    if old is not None and _missing(old):
        return  # pre-existing
    last = new.fields[-1]
    yield Hit(
        message=(
            f"the .fields array of vmsd '{vmsd_label(new)}' does not end with "
            "VMSTATE_END_OF_LIST(): save and load run past the array (garbage on the wire or "
            "a crash on both sides)"
        ),
        line=last.line,
        side="new",
        entity=f"{new.c_name}.fields",
        fix_draft="        VMSTATE_END_OF_LIST()",
        fix_edits=(D.insert_before(change.path, last.line + 1, "        VMSTATE_END_OF_LIST()"),),
    )
