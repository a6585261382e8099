"""MIG010 vmstate-struct-type-mismatch: field names a different state struct than the vmsd's opaque

*What it flags*

A `VMSTATE_*` field, added or changed by the patch, whose state-struct argument names a
different C type than the description's opaque — the type the other fields name (strict
majority), or, when they are split evenly, the type its hooks cast the opaque to. Typical
cause: a field copied from another device's description. Also a description that is some
QOM type's `dc->vmsd` (in the same file) whose fields all name a struct other than the
type's instance struct (`.instance_size = sizeof(ARMv7MState)`) and other than a struct
that instance embeds first (its QOM parent). Fields reached through an embedded
QOM parent (`parent_obj.x`, or naming a generic parent such as `PCIDevice`) are not flagged:
the parent sits at offset 0. Nor is a struct spelled through an alias of the instance
struct (`#define LoongArchExtIOI LoongArchExtIOICommonState` in a header, a typedef name).

*Why it breaks migration*

The field's offset is computed inside the wrong struct (`offsetof(OtherState, x)`), while
the opaque points to the device's own struct. The compile-time type check only verifies that
`OtherState` has a member of that name and type, so the build succeeds; at run time the
source saves, and the destination overwrites, unrelated bytes of the device state — silent
corruption after migration, or a crash.

*Example*

```c
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(status, FooState),
        VMSTATE_UINT32(irq, BarState),
        VMSTATE_END_OF_LIST()
    },
};
```

*Instead*

Name the device's own state struct in every field (`VMSTATE_UINT32(irq, FooState)`); for
state that lives in a sub-struct use a member path (`sub.irq`) or `VMSTATE_STRUCT` with the
sub-struct's own description.

*References*

- include/migration/vmstate.h `vmstate_offset_value` / `type_check`
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd
from bot.model.view import member_kind
from bot.rulekit import drafts as D
from bot.rulekit.ctx import file_model
from bot.rulekit.layout import struct_canon, struct_lookup
from bot.rulekit.vmsd import (
    GENERIC_PARENT_TYPES,
    field_entity,
    field_label,
    function_facts,
    introduced_fields,
    norm_type,
    opaque_type,
    vmsd_change,
    vmsd_label,
)

RULE = RuleSpec(
    id="MIG010",
    name="vmstate-struct-type-mismatch",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="medium",
    scope="patch",
    message="field names a different state struct than the vmsd's opaque",
    fix_hint="name the device's own state struct in the field macro",
    kinds=("vmsd",),
    any_reach=True,
)


# First members through which a subtype embeds its QOM parent.
_PARENT_MEMBERS = ("parent_obj", "parent", "qdev", "busdev", "pci_dev", "pdev")


def _hook_type(v: Vmsd, ctx: RuleContext) -> str | None:
    """The type every hook casts its opaque to, when they agree (needs function facts)."""
    seen: Counter[str] = Counter()
    for _member, fn in v.hooks:
        facts = function_facts(ctx.new_model, fn)
        if facts is None or not facts.params:
            continue
        first = facts.params[0][1]
        for src, target, _line in facts.casts:
            t = norm_type(target)
            if src == first and t and t not in GENERIC_PARENT_TYPES:
                seen[t] += 1
    if len(seen) == 1:
        return next(iter(seen))
    return None


_SIZEOF = re.compile(r"^sizeof\s*\(\s*(?:struct\s+)?(\w+)\s*\)$")


def _instance_struct(ctx: RuleContext, path: str, v: Vmsd) -> str | None:
    """The instance struct of the QOM type(s) of this file whose class_init sets
    dc->vmsd = &v, when they agree (`.instance_size = sizeof(X)`)."""
    m = file_model(ctx, path, "new")
    if m is None:
        return None
    fns = {
        ci.function
        for ci in m.class_inits
        if ci.vmsd == v.c_name and member_kind(ci.vmsd_member) == "device"
    }
    found: set[str] = set()
    for t in m.types:
        if t.class_init not in fns:
            continue
        hit = _SIZEOF.match((t.instance_size_expr or "").strip())
        if hit is None:
            return None  # inherits its parent's size: unknown here
        found.add(hit.group(1))
    return next(iter(found)) if len(found) == 1 else None


def _embeds_first(ctx: RuleContext, outer: str, inner: str) -> bool:
    """`outer` starts with `inner` (directly or through its first members): same offsets."""
    look = struct_lookup(ctx, "new")
    name = outer
    for _ in range(8):
        sd = look(name)
        if sd is None or not sd.members:
            return False
        first = sd.members[0]
        if first.pointer or first.dims:
            return False
        name = norm_type(first.type) or ""
        if name == inner:
            return True
    return False


def _instance_mismatch(
    change: EntityChange, ctx: RuleContext, new: Vmsd, opaque: str
) -> Iterator[Hit]:
    """Every field names `opaque`, but the vmsd is the dc->vmsd of a type of another struct."""
    inst = _instance_struct(ctx, change.path, new)
    if inst is None or inst == opaque or inst in GENERIC_PARENT_TYPES:
        return
    canon = struct_canon(ctx, "new")
    if canon(inst) == canon(opaque):
        return  # one struct spelled two ways (`#define LoongArchExtIOI ...CommonState`)
    if opaque in GENERIC_PARENT_TYPES or _embeds_first(ctx, inst, opaque):
        return
    fields = [f for f in introduced_fields(change) if norm_type(f.struct) == opaque]
    if not fields or any(
        (f.c_field or "").split(".")[0].startswith(_PARENT_MEMBERS) for f in fields
    ):
        return
    first = fields[0]
    fixed_args = [inst if a == first.struct else a for a in first.args]
    yield Hit(
        message=(
            f"vmsd '{vmsd_label(new)}' is the dc->vmsd of a type whose instance is {inst}, but "
            f"its fields name struct {opaque}: offsets are taken in the wrong struct, so "
            "migration saves and restores unrelated bytes of the device (silent state "
            "corruption, or an assertion in savevm)"
        ),
        line=first.line,
        side="new",
        entity=field_entity(new, first),
        fix_draft=(fixed := D.call(first.macro, fixed_args, ",", "        ")),
        fix_edits=(
            D.replace_line(
                change.path, first.line, fixed, pattern=rf"\b{re.escape(first.macro)}\s*\("
            ),
        ),
    )


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for introduced fields naming a struct other than the opaque type."""
    _, new = vmsd_change(change)
    if new is None:
        return
    majority = opaque_type(new)
    if majority is not None and all(
        norm_type(f.struct) == majority
        for f in new.payload_fields
        if f.struct and not f.macro.startswith("VMSTATE_WITH_TMP")
    ):
        yield from _instance_mismatch(change, ctx, new, majority)
    hook_t = None if majority else _hook_type(new, ctx)  # hooks only break a tie (else MIG011)
    opaque = majority or hook_t
    if opaque is None:
        return
    for f in introduced_fields(change):
        t = norm_type(f.struct)
        if t is None or t == opaque or f.macro.startswith("VMSTATE_WITH_TMP"):
            continue
        if t in GENERIC_PARENT_TYPES or opaque in GENERIC_PARENT_TYPES:
            continue  # a QOM parent embedded as first member: same offsets
        if (f.c_field or "").split(".")[0].startswith(_PARENT_MEMBERS):
            continue  # reached through the embedded parent (`parent_obj.x`): same offsets
        fixed_args = [opaque if a == f.struct else a for a in f.args]
        how = "its hooks cast the opaque to" if hook_t else "its other fields name"
        yield Hit(
            message=(
                f"field '{field_label(f)}' of vmsd '{vmsd_label(new)}' names struct {t}, but "
                f"{how} {opaque}: the offset is taken in the wrong struct, so migration saves "
                "and restores unrelated bytes (silent state corruption in both directions)"
            ),
            line=f.line,
            side="new",
            entity=field_entity(new, f),
            fix_draft=(fixed := D.call(f.macro, fixed_args, ",", "        ")),
            fix_edits=(
                D.replace_line(change.path, f.line, fixed, pattern=rf"\b{re.escape(f.macro)}\s*\("),
            ),
        )
