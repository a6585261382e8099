"""MIG037 property-macro-default: a property default changes inside a properties macro.

*What it flags*

A function-like macro in a header that expands to `DEFINE_PROP_*` entries (QEMU shares
property lists this way: `VIRTIO_GPU_BASE_PROPERTIES(_state, _conf)`,
`DEFINE_VIRTIO_COMMON_FEATURES(...)`) whose entry for a property gets another default, when
no type whose Property array uses the macro — nor one of their parents or subtypes — gets an
entry for that property in the newest compat array (`hw_compat_X_Y` as MIG030 derives it).
The `.c` files that use the macro do not change, so the per-file property rules never see it.

*Why it breaks migration*

Every device that includes the macro in its Property array changes its default: with the
same machine type an old source and a new destination configure the device differently
(features, config space, sizes the guest sees), and loads fail or the guest sees its
hardware change.

*Example*

0a71966253c8 flipped `edid` to `true` in `VIRTIO_GPU_BASE_PROPERTIES` and added compat
entries for `virtio-gpu-pci` and `virtio-vga` only; `virtio-gpu-device` (on ccw and as a
plain device) kept the new default on old machine types. The fix put the entry on the base
type.

*Instead*

Add `{ "<type>", "<property>", "<old value>" },` to the newest `hw_compat_X_Y` for the type
that installs the macro's properties (or their common parent).

*References*

- docs/devel/migration/compatibility.rst, "How backwards compatibility works"
- QEMU commit 0a71966253c8 and its fix
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Define
from bot.model.propmacros import MacroProp, props_in_macro
from bot.rulekit import compat as C
from bot.rulekit.ctx import tree

RULE = RuleSpec(
    id="MIG037",
    name="property-macro-default",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="a property default changes inside a properties macro without a compat entry",
    fix_hint='add { type, property, old value } to the newest hw_compat_X_Y',
    kinds=("define",),
)


def _by_name(raw: str) -> dict[str, MacroProp]:
    return {p.name: p for p in props_in_macro(raw) if p.name is not None}


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report default changes of macro-defined properties that no compat entry covers."""
    o, n = change.old, change.new
    if change.op != "modified" or not isinstance(o, Define) or not isinstance(n, Define):
        return
    if "DEFINE_PROP" not in n.raw or "(" not in n.name or o.raw == n.raw:
        return
    macro = n.name.split("(", 1)[0].strip()
    t = tree(ctx, "new")
    if t is None:
        return
    before, after = _by_name(o.raw), _by_name(n.raw)
    changed = [
        (name, before[name], p)
        for name, p in after.items()
        if name in before and before[name].default != p.default and p.default is not None
    ]
    if not changed:
        return
    types: list[str] = []
    for path, array in t.prop_arrays_using_macro(macro):
        types.extend(t.types_with_props(array, path))
    types = list(dict.fromkeys(types))
    if not types:
        return
    drivers = C.type_family(ctx, types)
    newest = C.compat_target(ctx)
    for name, was, now in changed:
        if C.entry_covers(ctx, drivers, name, newest):
            continue
        array = C.compat_name(newest) if newest is not None else "the newest hw_compat array"
        yield Hit(
            message=(
                f"default of '{name}' in {macro} changes from {was.default} to {now.default}, "
                f"which {', '.join(types)} install, but {array} has no entry for '{name}' on "
                "them (or a parent or subtype): machine types of older releases get the new "
                "value and migration with them breaks"
            ),
            line=change.line,
            side="new",
            entity=f"{macro}.{name}",
        )
