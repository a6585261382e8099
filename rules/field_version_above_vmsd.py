"""MIG016 field-version-above-vmsd: a field's _V version is above its vmsd's version_id

*What it flags*

A field of an added or modified `VMStateDescription` whose version (`_V(n)`, or the version
argument of `VMSTATE_STRUCT`, `VMSTATE_STRUCT_ARRAY`, ...) is above the description's own
`version_id` (an absent `.version_id` is 0), and that is not gated by a `_TEST` predicate.
A field already above the version before the change is not reported again. The severity
holds on every board, versioned machine types or not.

*Why it breaks migration*

Save and load both skip a field whose version is above the version they work with: the
description's own `version_id` when saving, the stream's version (never above it) when
loading. Such a field is never sent and never loaded, by any QEMU, so its state is silently
lost on every migration and every savevm/loadvm, even to the same binary — typically the
result of bumping a nested description's version together with the field that embeds it,
but not the enclosing description's.

*Example*

```c
 static const VMStateDescription vmstate_foo = {
     .name = "foo",
     .version_id = 1,
     .fields = (const VMStateField[]) {
-        VMSTATE_STRUCT_ARRAY(ch, FooState, 4, 1, vmstate_foo_channel, FooChannel),
+        VMSTATE_STRUCT_ARRAY(ch, FooState, 4, 2, vmstate_foo_channel, FooChannel),
```

*Instead*

Keep the field's version at or below the description's `version_id`. A nested
description's version is not on the wire (each side uses its own), so a bumped nested
description needs no change of the field that embeds it; new state goes into a subsection.

*References*

- migration/vmstate.c `vmstate_save_state_v` / `vmstate_load_state` (`field->version_id <=
  version_id`)
- 1d3e65aa7ac5 (aspeed.timerctrl timers array at version 2 in a version 1 description)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd, VmstateField
from bot.rulekit.vmsd import field_entity, field_label, vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG016",
    name="field-version-above-vmsd",
    severity=Severity.ERROR,
    category=Category.VERSION_BUMP,
    confidence="high",
    scope="patch",
    message="field version above its vmsd's version_id: the field is never sent nor loaded",
    fix_hint=(
        "keep the field's version at or below the description's version_id; put new state "
        "in a subsection"
    ),
    kinds=("vmsd",),
    any_reach=True,
)


def _above(v: Vmsd) -> list[VmstateField]:
    if v.version_id is None:
        return []  # a version we could not resolve
    return [f for f in v.payload_fields if not f.test and f.version_id > v.version_id]


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per field the change leaves above its description's version."""
    old, new = vmsd_change(change)
    if new is None:
        return
    bad = _above(new)
    if not bad:
        return
    if old is not None and old.version_id is not None and new.version_id is not None:
        lowered = new.version_id < old.version_id
    else:
        lowered = False
    before = {(field_label(f), f.version_id) for f in _above(old)} if old is not None else set()
    for f in bad:
        if not lowered and (field_label(f), f.version_id) in before:
            continue  # pre-existing
        yield Hit(
            message=(
                f"field '{field_label(f)}' of vmsd '{vmsd_label(new)}' has version "
                f"{f.version_id}, above the description's version_id {new.version_id}: it is "
                "never sent and never loaded (its state is lost on every migration and "
                "savevm/loadvm, also to the same QEMU)"
            ),
            line=f.line,
            side="new",
            entity=field_entity(new, f),
        )
