"""MIG012 version-test-equality: _TEST predicate compares the version with == instead of >=

*What it flags*

A `_TEST` predicate, used by a field the patch added or changed, that compares the incoming
version with `==` against the description's current `version_id` (`return version_id == 2;`)
where `>=` is meant. Needs function facts from the model; without them the rule stays silent.
Comparisons with an older version (`is_version_1` for a field only old streams carry) are
legitimate and not flagged.

*Why it breaks migration*

The predicate gets the incoming stream's version. With `==` the field is only sent and loaded
for exactly that version: the next `version_id` bump silently drops it from the stream, and
a source and destination at different versions disagree on whether it is present — the rest
of the section is misread ("Missing section footer").

*Example*

```c
static bool foo_has_fifo(void *opaque, int version_id)
{
    return version_id == 2;
}
...
        VMSTATE_UINT32_TEST(fifo_level, FooState, foo_has_fifo),
```

*Instead*

Use `VMSTATE_*_V(field, State, 2)` (present from version 2 on), or write the predicate with
`>=`; better, gate new fields with a compat property.

*References*

- migration/vmstate.c `vmstate_field_exists`
- include/migration/vmstate.h `VMSTATE_*_TEST`
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.rulekit import drafts as D
from bot.rulekit.vmsd import (
    field_entity,
    function_facts,
    introduced_fields,
    vmsd_change,
    vmsd_label,
)

RULE = RuleSpec(
    id="MIG012",
    name="version-test-equality",
    severity=Severity.WARNING,
    category=Category.NEEDED_OR_TEST_LOGIC,
    confidence="medium",
    scope="patch",
    message="_TEST predicate compares the version with == instead of >=",
    fix_hint="use a _V(n) field or compare with >= (version_id >= n)",
    kinds=("vmsd",),
)


def _eq_version(expr: str, ver: str) -> int | None:
    v = re.escape(ver)
    m = re.search(rf"\b{v}\s*==\s*(\d+)\b", expr) or re.search(rf"\b(\d+)\s*==\s*{v}\b", expr)
    return int(m.group(1)) if m else None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for introduced _TEST fields whose predicate tests version equality."""
    _, new = vmsd_change(change)
    if new is None:
        return
    current = new.version_id
    for f in introduced_fields(change):
        if not f.test:
            continue
        facts = function_facts(ctx.new_model, f.test)
        if facts is None or len(facts.params) < 2:
            continue
        ver = facts.params[1][1]
        for expr in facts.returns:
            n = _eq_version(expr, ver)
            if n is None or (current is not None and n < current):
                continue
            yield Hit(
                message=(
                    f"_TEST predicate {f.test} of field '{f.c_field or f.name}' in vmsd "
                    f"'{vmsd_label(new)}' tests '{ver} == {n}': the field is only on the wire "
                    f"for version {n} exactly, so the next version bump drops it and sources "
                    "and destinations at different versions misread the section"
                ),
                line=f.line,
                side="new",
                entity=field_entity(new, f),
                fix_draft=f"    return {ver} >= {n};",
                fix_edits=(
                    D.sub_in(change.path, facts.line, facts.end_line,
                             rf"\b{ver}\s*==\s*{n}\b", f"{ver} >= {n}"),
                ),
            )
            break
