"""MIG001 vmstate-field-added-no-version: field added without a version gate

*What it flags*

A field added to an existing `VMStateDescription` (a section, a subsection or a struct
description nested into one) without anything that keeps older streams parsing: no `_V(n)`
with a matching `version_id` bump, no `_TEST(fn)` predicate, and not inside a newly added
subsection.

*Why it breaks migration*

The wire format is positional and untyped. A destination built from the new code reads the
new field from a stream sent by an older QEMU that never wrote it: it consumes bytes that
belong to the next field or to the section footer and fails with "Missing section footer for
<idstr>" (old→new). The other way round, an older destination finds leftover bytes after its
last field and fails the same way (new→old).

*Example*

```c
static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(irq_mask, FooState),   /* new */
        VMSTATE_END_OF_LIST()
    },
};
```

*Instead*

Put the new state in a subsection whose `.needed` returns a device property that defaults to
on and is switched off for older machine types in `hw_compat_X_Y`; give the field a sane
default in `pre_load` for streams without the subsection (docs/devel/migration/main.rst,
"Connecting subsections to properties"). For devices that never appear on versioned machine
types a `_V(n)` field plus a `version_id` bump is acceptable (it still breaks new→old).

*References*

- docs/devel/migration/main.rst: "Subsections", "Connecting subsections to properties"
- e6fa978d83 "hw/arm/virt: Disable pl011 clock migration if needed"
- ab57b51f13 "scsi: save/load SCSI reservation state" (`scsi-disk/pr`)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd, VmstateField
from bot.rulekit import drafts as D
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    label_list,
    opaque_decl,
    vmsd_change,
    vmsd_label,
    vmsd_uses,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG001",
    name="vmstate-field-added-no-version",
    severity=Severity.ERROR,
    category=Category.FIELD_ADDED_NO_VERSION,
    confidence="high",
    scope="patch",
    message="field added to an existing vmsd without a version gate or subsection",
    fix_hint=(
        "move the new field into a subsection whose .needed returns a compat property "
        "(default on, off in the previous release's hw_compat array) and set a default in "
        "pre_load"
    ),
    kinds=("vmsd",),
)


def _is_gated(f: VmstateField, old: Vmsd, new: Vmsd) -> bool:
    """True when older streams skip the field: a _TEST predicate or a real _V gate."""
    if f.test:
        return True
    if old.version_id is None and old.version_expr is not None:
        return f.version_id > 1  # version is a macro we could not resolve: trust the _V
    old_ver = old.version_id or 0
    if f.version_id > old_ver:
        # _V(n) beyond the old version: MIG004 (bumped) or MIG014 (nested) own it, and if
        # version_id was not raised the field is never sent at all.
        return True
    return False


def _ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "field"


def fix_draft(
    ctx: RuleContext, new: Vmsd, fields: list[VmstateField], owner: Vmsd | None = None
) -> tuple[str, tuple[DraftEdit, ...]]:
    """A subsection carrying `fields`, its `.needed` tied to a compat property: (text, edits).

    `owner` is the vmsd that gets the new subsection: `new` itself for a section, the parent
    section when `new` is a subsection (the new one becomes its sibling).
    """
    host = owner or new
    parent = vmsd_label(host)
    first = _ident(field_label(fields[0]).split(".")[-1].split("[")[0])
    base = host.c_name.removeprefix("vmstate_") or "dev"
    sub_c = f"vmstate_{base}_{first}"
    state = opaque_decl(new)
    dev = D.device_of_vmsd(ctx, host.c_name)
    gate = D.gate_for(ctx, state, dev, first)
    fields_text = "\n".join(f"        {f.macro}({', '.join(f.args)})," for f in fields)
    needed = f"{base}_{first}_needed"
    body = (
        f"    {state} *s = opaque;\n\n    return s->{gate.member};\n"
        if state is not None
        else f"    {D.fill(f'the state struct; return its {gate.member}')}\n    return true;\n"
    )
    subsection = (
        f"static bool {needed}(void *opaque)\n"
        "{\n"
        f"{body}"
        "}\n"
        "\n"
        f"static const VMStateDescription {sub_c} = {{\n"
        f'    .name = "{parent}/{first}",\n'
        "    .version_id = 1,\n"
        "    .minimum_version_id = 1,\n"
        f"    .needed = {needed},\n"
        "    .fields = (const VMStateField[]) {\n"
        f"{fields_text}\n"
        "        VMSTATE_END_OF_LIST()\n"
        "    },\n"
        "};\n"
    )
    existing = "".join(f"        &{c},\n" for c in host.subsections)
    listing = (
        "    .subsections = (const VMStateDescription * const []) {\n"
        f"{existing}"
        f"        &{sub_c},\n"
        "        NULL\n"
        "    },\n"
    )
    gate_text, gate_edits = D.gate_parts(ctx, gate)
    text = (
        f"{subsection}\n/* in {host.c_name}: */\n{listing}\n"
        + D.comment(f"and the new fields' defaults in {base}'s pre_load, for streams "
                    "without the subsection")
        + f"\n{gate_text}\n"
    )
    found = find_vmsd_at(ctx, host.c_name, "new")
    new_at = find_vmsd_at(ctx, new.c_name, "new")
    if found is None or new_at is None:
        return text, ()
    path, new_path = found[1], new_at[1]
    edits: list[DraftEdit] = [
        D.replace_line(new_path, f.line, "", pattern=rf"\b{re.escape(f.macro)}\s*\(")
        for f in fields
    ]
    edits.append(D.insert_before(path, host.line, subsection))
    if host.subsections:
        edits.append(D.replace_line(path, host.line, f"        &{sub_c},\n        NULL",
                                    pattern=r"^\s*NULL\s*,?\s*$",
                                    end_line=host.end_line))  # fmt: skip
    else:
        edits.append(D.insert_before(path, host.end_line, listing))
    return text, (*edits, *gate_edits)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield one hit per vmsd, on the first field added without a gate."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new):
        return
    d = change.fields
    if d is None:
        return
    bad = [f for f in d.added if not _is_gated(f, old, new)]
    if not bad:
        return
    uses = vmsd_uses(ctx, new.c_name, "new")
    name = vmsd_label(new)
    if uses.nested_only:
        parents = ", ".join(sorted({f"'{vmsd_label(p)}'" for p in uses.nested_in}))
        where = f"struct description '{name}' (nested via VMSTATE_STRUCT & co. in {parents})"
    elif uses.is_subsection:
        where = f"subsection '{name}'"
    else:
        where = f"vmsd '{name}'"
    if uses.nested_only:
        stem = _ident(field_label(bad[0]).split(".")[-1])
        draft, edits = D.predicate_gate_draft(ctx, new, bad, stem)
    else:
        owner = uses.subsection_of[0] if uses.is_subsection else None
        draft, edits = fix_draft(ctx, new, bad, owner)
    first = bad[0]
    what = (
        f"field '{field_label(first)}' ({first.macro})"
        if len(bad) == 1
        else f"fields {label_list(bad)}"
    )
    yield Hit(
        message=(
            f"{what} added to {where} without a version gate: migration from older QEMU "
            "(old→new) fails because the destination reads bytes the source never sent "
            "(\"Missing section footer\"), and migration to older QEMU (new→old) fails on the "
            "extra bytes"
        ),
        line=first.line,
        side="new",
        entity=field_entity(new, first),
        fix_draft=draft,
        fix_edits=edits,
    )
