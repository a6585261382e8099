"""MIG003 vmstate-field-type-or-size-changed: field changed its wire type or size

*What it flags*

A field that keeps its position in a `VMStateDescription` but changes what it puts on the
wire: a wider or narrower type (`VMSTATE_UINT32` → `VMSTATE_UINT64`), a different array
count or buffer size, a scalar that became an array, a fixed array that became a
variable-length one, or a nested `VMSTATE_STRUCT` that now points at a description with a
different layout. Switching to or from a checked `*_EQUAL` / `*_POSITIVE_LE` macro is
reported as a note (same bytes, different load semantics). A same-width signedness change
(`INT32` ↔ `UINT32`) is not flagged.

*Why it breaks migration*

Only raw bytes travel: a destination that expects 8 bytes where the source wrote 4 consumes
part of the next field, every later field is misread, and the load ends with "Missing section
footer" — in both directions. A `*_EQUAL` field makes the load fail whenever the incoming
value differs from the destination's own.

*Example*

```c
-        VMSTATE_UINT32_ARRAY(regs, FooState, 16),
+        VMSTATE_UINT32_ARRAY(regs, FooState, 32),
```

*Instead*

Keep the wire width and convert in `pre_save`/`post_load`, or describe the old layout with
`VMSTATE_WITH_TMP`; send the extra state in a subsection tied to a compat property; for
unversioned boards only, version it (`_V` field + `version_id` bump, see `fw_cfg`).

*References*

- docs/devel/migration/main.rst, "Subsections"
- hw/nvram/fw_cfg.c `cur_offset` widening (`VMSTATE_UINT16_HACK` / `_TEST(is_version_1)`)
- include/migration/vmstate.h `VMSTATE_WITH_TMP`
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.diff.fields import same_field
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd, VmstateField
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    resolve_count,
    same_wire_fields,
    size_text,
    vmsd_change,
    vmsd_label,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG003",
    name="vmstate-field-type-or-size-changed",
    severity=Severity.ERROR,
    category=Category.FIELD_TYPE_OR_SIZE_CHANGED,
    confidence="high",
    scope="patch",
    message="field changed its wire type or size",
    fix_hint=(
        "keep the old wire width (convert in pre_save/post_load or use VMSTATE_WITH_TMP) and "
        "send the extra state in a subsection tied to a compat property"
    ),
    kinds=("vmsd",),
)

_CHECKED = ("_EQUAL", "_POSITIVE_LE")


def _family(info: str) -> str:
    """Wire kind with signedness dropped (uint32 and int32 look alike on the wire)."""
    if info.startswith("uint") and info[4:].isdigit():
        return "int" + info[4:]
    return info


def _is_checked(f: VmstateField) -> bool:
    return any(tag in f.macro for tag in _CHECKED)


def _layout(v: Vmsd) -> tuple[tuple[object, ...], ...]:
    return tuple(
        (_family(f.info), f.elem_size, f.count_value if f.count_value is not None else f.count,
         f.version_id, f.test, f.vmsd_ref)
        for f in v.payload_fields
    )


def _macros(o: VmstateField, n: VmstateField) -> str:
    return n.macro if o.macro == n.macro else f"{o.macro} → {n.macro}"


def _reasons(o: VmstateField, n: VmstateField, ctx: RuleContext) -> tuple[list[str], bool]:
    """Human reasons the pair differs on the wire, and whether they are only guesses."""
    reasons: list[str] = []
    guess = False
    ow, nw = o.wire_size, n.wire_size
    if ow is None and nw is None and o.count is not None and n.count is not None:
        oc, nc = resolve_count(ctx, o, "old"), resolve_count(ctx, n, "new")
        if oc is not None and nc is not None and o.elem_size and n.elem_size:
            ow, nw = o.elem_size * oc, n.elem_size * nc
    opaque_kind = {"unknown", "custom"} & {o.info, n.info}
    if opaque_kind and (ow is None or nw is None):
        return [], False  # a macro the model cannot size: nothing reliable to say
    if ow is not None and nw is not None and ow != nw:
        detail = ""
        if o.elem_size != n.elem_size and o.elem_size is not None and n.elem_size is not None:
            detail = f" (element width {o.elem_size} → {n.elem_size})"
        elif o.count_value != n.count_value:
            detail = f" (count {o.count_value or 1} → {n.count_value or 1})"
        reasons.append(f"wire size changed from {size_text(ow)} to {size_text(nw)}{detail}")
    else:
        if (o.count is None) != (n.count is None):
            reasons.append(
                "scalar became an array" if o.count is None else "array became a scalar"
            )
        elif o.count_value is not None and n.count_value is not None:
            if o.count_value != n.count_value:
                reasons.append(f"element count changed from {o.count_value} to {n.count_value}")
        elif o.count != n.count and (ow is None or nw is None):
            reasons.append(f"element count changed from '{o.count}' to '{n.count}'")
            guess = True
        if (
            o.elem_size is not None
            and n.elem_size is not None
            and o.elem_size != n.elem_size
        ):
            reasons.append(f"element width changed from {o.elem_size} to {n.elem_size} bytes")
    ovar, nvar = "varray" in o.flags, "varray" in n.flags
    if ovar != nvar:
        reasons.append(
            "fixed-size array became variable-length"
            if nvar
            else "variable-length array became fixed-size"
        )
    if o.vmsd_ref != n.vmsd_ref:
        if o.vmsd_ref is None or n.vmsd_ref is None:
            reasons.append(f"wire kind changed from {o.info} to {n.info}")
        else:
            ov = find_vmsd_at(ctx, o.vmsd_ref, "old")
            nv = find_vmsd_at(ctx, n.vmsd_ref, "new")
            if ov is None or nv is None:
                reasons.append(
                    f"nested description changed from {o.vmsd_ref} to {n.vmsd_ref} "
                    "(layout not comparable here)"
                )
                guess = True
            elif _layout(ov[0]) != _layout(nv[0]):
                reasons.append(
                    f"nested description changed from {o.vmsd_ref} to {n.vmsd_ref}, "
                    "which has a different field layout"
                )
    elif (
        _family(o.info) != _family(n.info)
        and not reasons
        and "unused" not in (o.info, n.info)
        and not (ow is not None and ow == nw)
    ):
        reasons.append(f"wire kind changed from {o.info} to {n.info}")
        guess = ow is None or nw is None
    return reasons, guess


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for fields whose wire type or size changed in place."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new) or same_wire_fields(ctx, old, new):
        return
    name = vmsd_label(new)
    for o, n in change.fields.pairs if change.fields is not None else ():
        if same_field(o, n) or o.vmsd_ref == old.c_name:
            continue  # (a self-nesting field never produced a stream: MIG013 fixed)
        reasons, guess = _reasons(o, n, ctx)
        label = field_label(n)
        if reasons:
            effect = (
                "If the values differ, the destination misreads every later field"
                if guess
                else "The destination misreads every later field"
            )
            yield Hit(
                message=(
                    f"field '{label}' in vmsd '{name}' ({_macros(o, n)}): "
                    f"{'; '.join(reasons)}. {effect}: migration from older QEMU (old→new) "
                    "and to older QEMU (new→old) fail with \"Missing section footer\" or "
                    "load corrupted state"
                ),
                line=n.line,
                side="new",
                entity=field_entity(new, n),
                severity=Severity.NOTE if guess else None,
                confidence="low" if guess else None,
            )
        elif _is_checked(o) != _is_checked(n):
            verb = "now" if _is_checked(n) else "no longer"
            yield Hit(
                message=(
                    f"field '{label}' in vmsd '{name}' changed from {o.macro} to {n.macro}: "
                    f"same bytes on the wire, but the destination {verb} rejects a value "
                    "that differs from its own (load semantics change)"
                ),
                line=n.line,
                side="new",
                entity=field_entity(new, n),
                severity=Severity.NOTE,
                confidence="medium",
                fix_hint="make sure every source that can migrate here sends the same value",
            )
