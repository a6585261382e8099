"""MIG014 nested-vmsd-versioned-field: a _V field in a description used only nested

*What it flags*

A `VMStateDescription` that is only used nested (via `VMSTATE_STRUCT`,
`VMSTATE_STRUCT_ARRAY`, ...) and gains a `_V(n)` field together with a `version_id` bump, or
whose `version_id` bump enables existing `_V(n)` fields.

*Why it breaks migration*

Nested descriptions have no version on the wire. Both sides load and save a nested struct
with their *own* local `version_id`, so the `_V` gate never sees the peer's version: the new
destination reads the new fields from an older source's stream that does not contain them
(old→new), and an older destination finds bytes it does not expect (new→old). Both
directions break, and `vmstate-static-checker.py` misses the forward case.

*Example*

```c
 static const VMStateDescription vmstate_foo_channel = {
     .name = "foo-channel",
-    .version_id = 1,
+    .version_id = 2,
     .fields = (const VMStateField[]) {
         VMSTATE_UINT32(ctrl, FooChannel),
+        VMSTATE_UINT32_V(count, FooChannel, 2),
         VMSTATE_END_OF_LIST()
     },
 };
```
(used as `VMSTATE_STRUCT_ARRAY(ch, FooState, 4, 1, vmstate_foo_channel, FooChannel)`)

*Instead*

Keep the nested `version_id`; gate the new fields with `_TEST(fn)` where `fn` returns a
device property that `hw_compat_X_Y` switches off for older machine types, as 40a23ef643
("virtio-gpu: fix v2 migration") did. Or move the state into a subsection of the top-level
description.

*References*

- migration/vmstate.c `vmstate_load_state` (nested structs use the local `vmsd->version_id`)
- dfcf74fa (virtio-gpu-one-scanout v2), fixed by 40a23ef643
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import VmstateField
from bot.rulekit import drafts as D
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    label_list,
    vmsd_change,
    vmsd_label,
    vmsd_uses,
)

RULE = RuleSpec(
    id="MIG014",
    name="nested-vmsd-versioned-field",
    severity=Severity.ERROR,
    category=Category.FIELD_ADDED_NO_VERSION,
    confidence="high",
    scope="patch",
    message="versioned field in a vmsd used only nested (nested versions are not on the wire)",
    fix_hint=(
        "keep the nested version_id and gate the field with _TEST(fn), fn returning a compat "
        "property switched off in the previous release's hw_compat array (as 40a23ef643 did)"
    ),
    kinds=("vmsd",),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for _V gates that only the local nested version decides."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    uses = vmsd_uses(ctx, new.c_name, "new")
    if not uses.nested_only:
        return
    ov, nv = old.version_id or 0, new.version_id or 0
    d = change.fields
    if d is None:
        return
    bad: list[VmstateField] = [f for f in d.added if not f.test and ov < f.version_id <= nv]
    bad += [
        n
        for o, n in d.pairs
        if not n.test and ov < n.version_id <= nv and o.version_id == n.version_id
    ]
    if not bad:
        return
    parents = ", ".join(sorted({f"'{vmsd_label(p)}'" for p in uses.nested_in}))
    first = bad[0]
    stem = f"v{nv}"
    keep = f"/* keep .version_id = {ov} in {new.c_name} */\n"
    draft, edits = D.predicate_gate_draft(ctx, new, bad, stem, keep)
    at = find_vmsd_at(ctx, new.c_name, "new")
    if at is not None:
        edits = (D.sub_in(at[1], new.line, new.end_line, rf"(\.version_id\s*=\s*){nv}\b",
                          rf"\g<1>{ov}"), *edits)  # fmt: skip
    what = (
        f"field '{field_label(first)}' ({first.macro}) is"
        if len(bad) == 1
        else f"fields {label_list(bad)} are"
    )
    yield Hit(
        message=(
            f"{what} gated on version {first.version_id} of '{vmsd_label(new)}', which is only "
            f"used nested (VMSTATE_STRUCT & co.) in {parents}: nested versions are not on the "
            "wire, "
            f"each side uses its own (v{ov} vs v{nv}), so migration from older QEMU (old→new) "
            "reads bytes that were never sent and migration to older QEMU (new→old) fails on "
            "extra bytes"
        ),
        line=first.line,
        side="new",
        entity=field_entity(new, first),
        fix_draft=draft,
        fix_edits=edits,
    )
