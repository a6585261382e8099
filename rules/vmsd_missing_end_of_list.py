"""MIG007 vmsd-missing-end-of-list: VMStateField array without VMSTATE_END_OF_LIST()

*What it flags*

A `.fields` array of an added or modified `VMStateDescription` whose last entry is not
`VMSTATE_END_OF_LIST()`. Only arrays the change touched are reported.

*Why it breaks migration*

The save and load loops walk the `VMStateField` array until they meet the `VMS_END` flag.
Without the terminator they run past the end of the array into whatever follows in memory:
the stream gets garbage fields, or QEMU crashes while saving or loading, on both sides of a
migration.

*Example*

```c
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(status, FooState),
    },
```

*Instead*

End every `.fields` array with `VMSTATE_END_OF_LIST()`.

*References*

- include/migration/vmstate.h `VMSTATE_END_OF_LIST`
- migration/vmstate.c `vmstate_load_state` / `vmstate_save_state_v` (loop on `field->name`)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd
from bot.rulekit import drafts as D
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
)


def _missing(v: Vmsd) -> bool:
    return bool(v.fields) and not v.fields[-1].is_end


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit when the change leaves a .fields array without its terminator."""
    old, new = vmsd_change(change)
    if new is None or not _missing(new):
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
