"""MIG006 subsection-added-unconditional: subsection added without .needed

*What it flags*

A subsection added to an existing `VMStateDescription` whose description has no `.needed`
callback, or whose `.needed` always returns true, so it is sent in every stream. A `.needed`
that depends on device state or a property is not flagged (state-dependent subsections are
the documented way to send rarely used state).

*Why it breaks migration*

A destination that does not know a subsection fails the whole load with "VM subsection
'<parent>/<sub>' in '<parent>' does not exist". Every QEMU older than the patch is such a
destination, so migration to older QEMU (new→old) breaks, even with an old machine type.
Migration old→new is fine: a missing subsection is tolerated.

*Example*

```c
+static const VMStateDescription vmstate_foo_clock = {
+    .name = "foo/clock",
+    .version_id = 1,
+    .minimum_version_id = 1,
+    .fields = (const VMStateField[]) {
+        VMSTATE_CLOCK(clk, FooState),
+        VMSTATE_END_OF_LIST()
+    },
+};
```

*Instead*

Add `.needed`, returning a device property (`DEFINE_PROP_BOOL("x-migrate-clk", ..., true)`)
that the previous release's `hw_compat_X_Y` array sets to false, and give the state a default
in `pre_load` for streams without the subsection.

*References*

- docs/devel/migration/main.rst, "Connecting subsections to properties"
- aac63e0e6ea3 (pl011 clock subsection always sent), fixed by e6fa978d83
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd
from bot.rulekit import drafts as D
from bot.rulekit.ctx import file_model, find_vmsd_at
from bot.rulekit.vmsd import (
    function_facts,
    opaque_decl,
    vmsd_change,
    vmsd_label,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG006",
    name="subsection-added-unconditional",
    severity=Severity.ERROR,
    category=Category.SUBSECTION_ADDED_UNCONDITIONAL,
    confidence="high",
    scope="patch",
    message="subsection added without .needed",
    fix_hint=(
        "give the subsection a .needed that returns a compat property (default on, off in the "
        "previous release's hw_compat array) and set defaults in pre_load"
    ),
    kinds=("vmsd",),
)


_ALWAYS = frozenset({"true", "1", "!0", "!false"})


def _needed_draft(
    ctx: RuleContext, parent: Vmsd, sub: Vmsd, path: str, state: str | None
) -> tuple[str, tuple[DraftEdit, ...]]:
    """A .needed for `sub` that reads a new compat property of the parent's device."""
    base = sub.c_name.removeprefix("vmstate_")
    dev = D.device_of_vmsd(ctx, parent.c_name) or D.device_of_state(ctx, state)
    gate = D.gate_for(ctx, state, dev, base.split("_")[-1])
    body = (
        f"    {state} *s = opaque;\n\n    return s->{gate.member};\n"
        if state is not None
        else f"    {D.fill(f'the state struct; return its {gate.member}')}\n    return true;\n"
    )
    func = f"static bool {base}_needed(void *opaque)\n{{\n{body}}}\n"
    member = f"    .needed = {base}_needed,"
    gate_text, gate_edits = D.gate_parts(ctx, gate)
    text = f"{func}/* in {sub.c_name}: */\n{member}\n{gate_text}\n"
    edits = (
        D.insert_before(path, sub.line, func + "\n"),
        D.insert_before(path, sub.end_line, member),
        *gate_edits,
    )
    return text, edits


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for subsections newly listed in an existing vmsd that are always sent."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new):
        return  # renamed / unmigratable / old streams refused by version anyway
    old_wires: set[str] = set()
    for c in old.subsections:
        found = find_vmsd_at(ctx, c, "old")
        old_wires.add(vmsd_label(found[0]) if found else c)
    parent = vmsd_label(new)
    state = opaque_decl(new)
    for c in new.subsections:
        if c in old.subsections:
            continue
        found = find_vmsd_at(ctx, c, "new")
        if found is None:
            continue
        sub, path = found
        sname = vmsd_label(sub)
        if sname in old_wires:
            continue  # C variable renamed only
        own_file = path == change.path
        line = sub.line if own_file else new.line
        entity = f"{new.c_name}.subsections[{sname}]"
        needed = sub.hook("needed")
        if needed is None:
            draft, edits = _needed_draft(ctx, new, sub, path, state)
            yield Hit(
                message=(
                    f"subsection '{sname}' added to vmsd '{parent}' without .needed, so it is "
                    "always sent: migration to older QEMU (new→old) fails with \"VM subsection "
                    f"'{sname}' in '{parent}' does not exist\", also for old machine types"
                ),
                line=line,
                side="new",
                entity=entity,
                fix_draft=draft,
                fix_edits=edits,
            )
            continue
        facts = function_facts(file_model(ctx, path, "new"), needed)
        if facts is None or not facts.returns:
            continue
        if not all(r.strip("() ") in _ALWAYS for r in facts.returns):
            continue
        yield Hit(
            message=(
                f"subsection '{sname}' added to vmsd '{parent}': its .needed ({needed}) always "
                "returns true, so it is always sent: migration to older QEMU (new→old) fails "
                f"with \"VM subsection '{sname}' in '{parent}' does not exist\""
            ),
            line=line,
            side="new",
            entity=entity,
            confidence="medium",
        )
