"""MIG013 vmstate-struct-self-reference: nested field refers to its own VMStateDescription

*What it flags*

A `VMSTATE_STRUCT*` (or other nesting) field of a `VMStateDescription` that refers to that
same description, introduced by the change — usually a copy-paste slip
(`&vmstate_foo` instead of `&vmstate_foo_entry`).

*Why it breaks migration*

Saving and loading recurse into the nested description; when it is the same description the
recursion never ends (or walks the wrong memory), and QEMU crashes on the first save or load.

*Example*

```c
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(ch, FooState, 4, 1, vmstate_foo, FooChannel),
        VMSTATE_END_OF_LIST()
    },
};
```

*Instead*

Point the field at the description of the element type (`vmstate_foo_channel`).

*References*

- migration/vmstate.c `vmstate_load_state` / `vmstate_save_state_v` (VMS_STRUCT recursion)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.rulekit.vmsd import field_entity, field_label, introduced_fields, vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG013",
    name="vmstate-struct-self-reference",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="nested field refers to its own VMStateDescription",
    fix_hint="refer to the description of the nested element type instead",
    kinds=("vmsd",),
    any_reach=True,
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit for each introduced field whose nested vmsd is the vmsd itself."""
    _, new = vmsd_change(change)
    if new is None:
        return
    for f in introduced_fields(change):
        if f.vmsd_ref != new.c_name:
            continue
        yield Hit(
            message=(
                f"field '{field_label(f)}' ({f.macro}) of vmsd '{vmsd_label(new)}' nests "
                f"{new.c_name} into itself: save and load recurse without end and QEMU crashes"
            ),
            line=f.line,
            side="new",
            entity=field_entity(new, f),
        )
