"""MIG017 pointer-field-conditional-alloc: a migrated pointer member is no longer always allocated

*What it flags*

A heap allocation (`s->regs = g_new0(...)`) of a struct member that a `VMStateDescription`
of the same file migrates through a pointer macro (`VMSTATE_VARRAY_*`, `VMSTATE_VBUFFER*`,
anything with `VMS_POINTER`) that used to be unconditional and now sits under a condition,
while neither the description (`.needed`) nor the field (`_TEST`) is gated. The severity
holds on every board.

*Why it breaks migration*

Saving a pointer field dereferences the member. When realize takes the branch that skips
the allocation (another mode, an in-kernel irqchip, a property), the member stays NULL and
the outgoing migration or savevm crashes or asserts — on the very same binary, whatever
the machine type. Unless the element count is 0 in exactly that configuration, the
description must not be sent then.

*Example*

```c
-    aplic->sourcecfg = g_new0(uint32_t, aplic->num_irqs);
+    if (!is_kvm_aia(aplic->msimode)) {
+        aplic->sourcecfg = g_new0(uint32_t, aplic->num_irqs);
+    }
```
with `VMSTATE_VARRAY_UINT32(sourcecfg, RISCVAPLICState, num_irqs, ...)` in the device's
vmsd and no `.needed`.

*Instead*

Add a `.needed` to the description (or a `_TEST` to the field) that returns the same
condition the allocation depends on, or allocate the member in every configuration.

*References*

- migration/vmstate.c `vmstate_save_state_v` (`VMS_POINTER`: `first_elem = *(void **)`)
- 95a97b3fd25e (riscv APLIC/IMSIC allocated only without KVM AIA), fixed by a `.needed`
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Allocation, Vmsd, VmstateField

RULE = RuleSpec(
    id="MIG017",
    name="pointer-field-conditional-alloc",
    severity=Severity.WARNING,
    category=Category.NEEDED_OR_TEST_LOGIC,
    confidence="medium",
    scope="patch",
    message="a member migrated through a pointer macro is allocated only under a condition",
    fix_hint=(
        "gate the description with .needed (or the field with _TEST) on the condition the "
        "allocation depends on"
    ),
    kinds=("alloc",),
    any_reach=True,
)


def _last(path: str | None) -> str | None:
    if not path:
        return None
    return path.replace("->", ".").split(".")[-1].split("[")[0].strip() or None


def _pointer_fields(v: Vmsd, member: str) -> list[VmstateField]:
    return [
        f
        for f in v.payload_fields
        if "pointer" in f.flags and not f.test and _last(f.c_field) == member
    ]


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit when an unconditional allocation of a migrated pointer becomes conditional."""
    old, new = change.old, change.new
    if change.op != "modified" or not isinstance(old, Allocation):
        return
    if not isinstance(new, Allocation) or old.conditional or not new.conditional:
        return
    model = ctx.new_model
    if model is None:
        return
    for v in model.vmsds:
        if v.hook("needed") is not None:
            continue
        for f in _pointer_fields(v, new.member):
            yield Hit(
                message=(
                    f"'{new.target}' is now allocated only if {new.condition or 'a condition'} "
                    f"holds, but vmsd '{v.name or v.c_name}' migrates it through {f.macro} "
                    "without .needed or _TEST: saving dereferences NULL in the other "
                    "configurations (crash or assert on savevm and outgoing migration)"
                ),
                line=new.line,
                side="new",
                entity=f"{v.c_name}.fields[{f.c_field}]",
            )
            break
