"""MIG011 vmsd-opaque-cast-mismatch: a hook casts the opaque to another struct

*What it flags*

A hook of a `VMStateDescription` (`.needed`, `.pre_save`, `.post_load`, `.pre_load`, ...)
or a `_TEST` predicate of one of its fields, set or changed by the patch, that converts its
`void *opaque` to a different struct than the one the description's fields name. Casts to
generic QOM parents (`DeviceState`, `PCIDevice`, `Object`, ...), to a type the fields also
name (embedded parent), `FOO_GET_CLASS(opaque)` lookups, and `.needed` of descriptions used
only nested (never called) are not flagged. Needs function facts from the model.

*Why it breaks migration*

The opaque handed to every hook is the pointer the fields are described against. A hook
that reads it as another struct looks at the wrong offsets: `.needed` answers at random (so
a subsection is sent, or not, regardless of the compat property — "VM subsection ... does
not exist" on older destinations), `post_load` writes into the wrong memory.

*Example*

```c
static bool foo_clock_needed(void *opaque)
{
    BarState *s = opaque;      /* vmstate_foo describes FooState */

    return s->migrate_clk;
}
```

*Instead*

Cast the opaque to the struct the fields name (`FooState *s = opaque;`) or use the device's
QOM cast macro (`FooState *s = FOO(opaque);`).

*References*

- include/migration/vmstate.h `struct VMStateDescription` (hook signatures)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FunctionInfo, Vmsd
from bot.rulekit import drafts as D
from bot.rulekit.vmsd import (
    GENERIC_PARENT_TYPES,
    function_facts,
    function_funcs_of,
    norm_type,
    opaque_type,
    vmsd_change,
    vmsd_label,
    vmsd_uses,
)

RULE = RuleSpec(
    id="MIG011",
    name="vmsd-opaque-cast-mismatch",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="medium",
    scope="patch",
    message="vmsd hook casts the opaque to a different struct than the fields describe",
    fix_hint="cast the opaque to the struct the vmsd's fields name",
    kinds=("vmsd",),
)


def _facts_changed(old: FunctionInfo | None, new: FunctionInfo) -> bool:
    if old is None:
        return True
    return (old.params, [c[:2] for c in old.casts]) != (new.params, [c[:2] for c in new.casts])


def _old_funcs(old: Vmsd | None) -> set[tuple[str, str]]:
    if old is None:
        return set()
    return {(role, fn) for role, fn, _f in function_funcs_of(old)}


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for hooks/_TEST functions that read the opaque as another struct."""
    old, new = vmsd_change(change)
    if new is None:
        return
    opaque = opaque_type(new)
    if opaque is None:
        return
    field_types = {norm_type(f.struct) for f in new.payload_fields if f.struct}
    before = _old_funcs(old)
    done: set[str] = set()
    nested_only = vmsd_uses(ctx, new.c_name, "new").nested_only
    for role, fn, _field in function_funcs_of(new):
        if fn in done or (role == "needed" and nested_only):
            continue  # .needed of a struct-only description is never called
        done.add(fn)
        facts = function_facts(ctx.new_model, fn)
        if facts is None or not facts.params:
            continue
        old_facts = function_facts(ctx.old_model, fn)
        if (role, fn) in before and not _facts_changed(old_facts, facts):
            continue  # pre-existing
        first = facts.params[0][1]
        for src, target, line in facts.casts:
            t = norm_type(target)
            if src != first or t is None or t == opaque or t in GENERIC_PARENT_TYPES:
                continue
            if t in field_types:
                continue  # the fields reach this type too (embedded QOM parent)
            what = "_TEST predicate" if role == "test" else f".{role}"
            yield Hit(
                message=(
                    f"{what} {fn} of vmsd '{vmsd_label(new)}' reads its opaque as {t}, but the "
                    f"fields describe {opaque}: it looks at the wrong offsets "
                    "(wrong .needed/_TEST answers change what is on the wire; hooks corrupt "
                    "state after migration)"
                ),
                line=line or facts.line,
                side="new",
                entity=f"{new.c_name}.{role}:{fn}",
                fix_draft=f"    {opaque} *s = opaque;",
                fix_edits=(
                    D.sub_in(change.path, line or facts.line, line or facts.line,
                             r"^(\s*)(?:const\s+)?[\w ]+?\s*\*\s*(\w+)\s*=.*;",
                             rf"\1{opaque} *\2 = opaque;"),
                ),
            )
            break
