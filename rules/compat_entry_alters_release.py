"""MIG063 compat-entry-alters-release: a compat entry changes what released machine types had

*What it flags*

A compat entry added to the newest compat array (`{ "fw_cfg_io", "dma_enabled", "off" }` in
`PC_COMPAT_2_6` while 2.7 is developed) for a property that already existed, whose default the
series does not change, and whose value differs from that default — and, when the last
release is known, from the release's default too — in a series that also changes code but
no property default. A series that only adds compat entries mitigates a break a release
shipped (MIG031); one that changes defaults is judged with its entries by MIG030/MIG032.

*Why it breaks migration*

A compat entry tells the machine types of that version and older to keep what their release
did. An entry whose value their release never had changes those machine types instead: a VM
started on the released QEMU (dma_enabled on) and migrated to the new one with the same
machine type continues with a device configured differently (dma_enabled off), and a guest
that already uses the feature breaks; the other direction changes under the guest too.

*Example*

```c
 #define PC_COMPAT_2_6 \
+    {\
+        .driver   = "fw_cfg_io",\
+        .property = "dma_enabled",\
+        .value    = "off",\
+    },{\
```

*Instead*

Leave released machine types as they are. To change behaviour for new machine types only,
change the property's default and add the old default to the newest compat array; to choose
something at run time (an option ROM), decide it from the device state, not from a compat
entry.

*References*

- docs/devel/migration/compatibility.rst, "How backwards compatibility works"
- b2a575a1c652 (fw_cfg DMA turned off for pc-2.6 and older although 2.6 shipped it on),
  fixed by 98e753a6e51b (the entry dropped, the option ROM chosen another way)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Property
from bot.model.view import TreeView
from bot.rulekit import compat as C
from bot.rulekit.ctx import Side, norm, tree

RULE = RuleSpec(
    id="MIG063",
    name="compat-entry-alters-release",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="a compat entry changes what released machine types had",
    fix_hint=(
        "compat entries keep what a release had: change the property's default for new "
        "machine types and put the old default into the newest compat array instead"
    ),
    kinds=("compat_array",),
)


def _prop(tv: TreeView | None, driver: str, name: str) -> Property | None:
    """The property `name` the driver type or one of its ancestors declares."""
    if tv is None or tv.type_by_name(driver) is None:
        return None
    for t in (driver, *tv.type_ancestors(driver)):
        for p in tv.properties_of_type(t):
            if p.name == name:
                return p
    return None


def _side_prop(ctx: RuleContext, side: Side, driver: str, name: str) -> Property | None:
    return _prop(tree(ctx, side), driver, name)


def _same(prop: Property, default: str | None, value: str) -> bool | None:
    """Whether compat `value` equals the property's `default` (None: cannot tell)."""
    want = C.compat_value(prop, default)
    if want is None:
        return None
    a, b = C.truthy(want), C.truthy(value)
    if a is not None and b is not None:
        return a == b
    return norm(want).strip('"') == norm(value).strip('"')


def _default_changed(change: EntityChange) -> bool:
    old, new = change.old, change.new
    return (
        isinstance(old, Property)
        and isinstance(new, Property)
        and norm(old.default) != norm(new.default)
    )


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per entry the change adds to the newest array that alters a released
    machine type's property value."""
    target = C.compat_target(ctx)
    if target is None:
        return
    if all(c.kind in ("compat_array", "define") for c in ctx.changes):
        return  # only compat entries: a mitigation of a break that shipped (MIG031's note)
    if any(_default_changed(c) for c in ctx.changes):
        return  # the series changes defaults with their entries: judged by MIG030/MIG032
    moved = {(C.entry_driver(a.entry), C.entry_property(a.entry))
             for a in C.removed_entries(ctx)}  # fmt: skip
    name_of = change.new.name if change.new is not None and hasattr(change.new, "name") else None
    for at in C.added_entries(ctx):
        if at.path != change.path or at.array.name != name_of:
            continue
        if C.array_version(at.array) != target:
            continue
        e = at.entry
        driver, name = C.entry_driver(e), C.entry_property(e)
        if e.value is None or (driver, name) in moved:
            continue  # an entry moved between arrays or changed: other rules' business
        old_p = _side_prop(ctx, "old", driver, name)
        new_p = _side_prop(ctx, "new", driver, name)
        if old_p is None or new_p is None or norm(old_p.default) != norm(new_p.default):
            continue  # a new property, or the series changes its default: the usual pattern
        if _same(new_p, new_p.default, e.value) is not False:
            continue
        if ctx.release is not None:
            rel = _prop(ctx.release.tree, driver, name)
            if rel is None or _same(rel, rel.default, e.value) is not False:
                continue  # the release had that value: the entry restores it
        shipped = C.compat_value(new_p, new_p.default) or norm(new_p.default)
        yield Hit(
            message=(
                f"{at.array.name} now sets {driver}.{name}={e.value}, but the property "
                f"already existed with default {shipped} and this series does not change "
                f"that default: machine types {target[0]}.{target[1]} and older get a value "
                f"their release did not have, and migration from that release changes the "
                f"device under the guest"
            ),
            line=e.line,
            side="new",
            entity=f"{at.array.name}[{driver}.{name}]",
            path=at.path,
        )
