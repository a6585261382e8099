"""MIG019 derived-state-not-reloaded: a guest-driven memory region update that no load path redoes

*What it flags*

A `memory_region_set_enabled()`, `memory_region_set_address()` or
`memory_region_set_alias_offset()` call added to a function of a device file with a
`VMStateDescription`, when guest-driven paths of the file (MMIO or config-space writes,
command handlers, `set_config`) reach that function but no load path does: not the
`post_load`/`pre_load` of its vmsds, not a virtio `load`, not a VM change-state handler
(the local call graph counts a function passed as a callback as called). Calls that only
realize, init or reset reach, and guest-driven paths that already updated such state before
the series, are left alone.

*Why it breaks migration*

Whether a memory region is enabled, where it is mapped and which alias offset it has are
not in the migration stream: the destination starts from its reset state and gets the
guest's view back only if its load path recomputes it from the loaded registers. When the
guest switched the view at run time (bypass vs. translated DMA, an I/O window enabled by a
config write), the destination keeps the reset-time view after migration: DMA goes to the
wrong address space, or a window stays closed, until the guest happens to write the register
again.

*Example*

```c
+static void virtio_iommu_switch_address_space(IOMMUDevice *sdev)
+{
+    bool on = !virtio_iommu_device_bypassed(sdev);
+    memory_region_set_enabled(&sdev->bypass_mr, !on);
+    memory_region_set_enabled(MEMORY_REGION(&sdev->iommu_mr), on);
+}
```
called from `virtio_iommu_set_config()` and the attach/detach handlers, while
`iommu_post_load()` does not call it.

*Instead*

Call the update (for every instance: an `_all` variant) from the `post_load` of the vmsd
that carries the registers it is computed from, after those registers are loaded.

*References*

- docs/devel/migration/main.rst, "Save state" (post_load)
- 90519b90539b (virtio-iommu bypass mode), fixed by d355566bd958
- 1c380f946052 (PCI bus master region), fixed by 4ea375bf37d6
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite, FileModel
from bot.model.extract.derived import DERIVE_CALLS

RULE = RuleSpec(
    id="MIG019",
    name="derived-state-not-reloaded",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="patch",
    message="a guest-driven memory region update that no load path redoes",
    fix_hint=(
        "call the update from the post_load of the vmsd carrying the registers it is "
        "computed from, so the destination's view follows the loaded state"
    ),
    kinds=("call",),
)


def _runtime_roots(model: FileModel | None) -> set[str]:
    """Entry points of guest-driven paths that already updated derived state."""
    if model is None:
        return set()
    return {r for _fn, kind, roots in model.derived_updates if kind == "runtime" for r in roots}


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit for the first added derived-state update of a function that only
    guest-driven paths reach."""
    new = change.new
    if change.op != "added" or not isinstance(new, CallSite) or new.call not in DERIVE_CALLS:
        return
    model = ctx.new_model
    if model is None or new.function is None:
        return
    vmsds = [v for v in model.vmsds if not v.unmigratable]
    if not vmsds:
        return  # no migrated state in this file to recompute it from
    entry = next((e for e in model.derived_updates if e[0] == new.function), None)
    if entry is None or entry[1] != "runtime":
        return
    roots = set(entry[2])
    if roots and roots <= _runtime_roots(ctx.old_model):
        return  # those paths updated such state before the series: not its change
    first = next(
        c
        for c in ctx.changes
        if c.kind == "call"
        and c.op == "added"
        and c.path == change.path
        and isinstance(c.new, CallSite)
        and c.new.call in DERIVE_CALLS
        and c.new.function == new.function
    )
    if first is not change and first != change:
        return  # one finding per function
    loads = [(v.name or v.c_name, fn) for v in vmsds for m, fn in v.hooks if m == "post_load"]
    if loads:
        where = ", ".join(f"{fn}() of vmsd '{name}'" for name, fn in loads[:2])
        missing = f"the post_load ({where}) does not reach it"
    else:
        missing = f"no vmsd of this file has a post_load ({', '.join(v.c_name for v in vmsds[:2])})"
    shown = ", ".join(f"{r}()" for r in sorted(roots)[:3]) or "guest-driven callbacks"
    yield Hit(
        message=(
            f"{new.call}() added in {new.function}(), which {shown} reach at run time, but "
            f"{missing}: whether a memory region is enabled or where it is mapped is not "
            "migrated, so after migration the destination keeps its reset-time view until "
            f"the guest writes again; call {new.function}() (for every instance) from "
            "post_load"
        ),
        line=new.line,
        side="new",
        entity=f"{new.call}@{new.function}",
    )
