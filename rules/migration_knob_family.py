"""MIG044 migration-knob-family: a migration-global compat knob reaches some machine families only.

*What it flags*

A series that defines a new migration-global compatibility switch — a function such as
`savevm_skip_section_footers()`, `savevm_skip_configuration()` or
`global_state_set_optional()` that changes what the whole stream looks like — and calls it
from the compat code of some versioned machine families only (say `pc_compat_2_3()` in
hw/i386/pc_piix.c and pc_q35.c), while the tree has versioned machine types of other families
(pseries, s390-ccw-virtio, virt) that get no call.

*Why it breaks migration*

Such a switch is not a device property: `hw_compat_X_Y` does not carry it, each board must
call it for its own old machine types. A family that does not gets the new stream format
on its old machine types too, so migration between QEMU versions fails there (for example
"Missing section footer" or an unknown section for pseries-2.3 to QEMU 2.3).

*Example*

37fb569c0198 added `savevm_skip_section_footers()` and called it for old pc machine types
only; 2.4's pseries-2.3 sent footers that QEMU 2.3 could not read. 61964c23e5dd did the same
with `savevm_skip_configuration()`. Later fixes called the switches from the old pseries
machine types too.

*Instead*

Call the switch from every versioned family's compat code for the same releases, or express
it as a property of the `migration` object in `hw_compat_X_Y`, which every family applies.

*References*

- docs/devel/migration/compatibility.rst; hw/core/machine.c `hw_compat_X_Y` (`"migration"`
  driver entries)
- QEMU commits 37fb569c0198, 61964c23e5dd
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite

RULE = RuleSpec(
    id="MIG044",
    name="migration-knob-family",
    severity=Severity.WARNING,
    category=Category.PROTOCOL_CHANGE,
    confidence="medium",
    scope="series",
    message="a new migration-global compat switch is applied to some machine families only",
    fix_hint="call it from every versioned family's compat code, or use a 'migration' property",
    kinds=("call",),
)

KNOB = re.compile(r"^(?:savevm_skip_\w+|global_state_set_optional)$")

# Versioned machine families: the board file that runs their compat code, and how their
# versioned machine type names look (old and new spellings).
FAMILIES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("pc", re.compile(r"^hw/i386/pc(?:_piix|_q35)?\.c$"), re.compile(r"^pc-(?:i440fx|q35)-\d")),
    (
        "pseries",
        re.compile(r"^hw/ppc/spapr\.c$"),
        re.compile(r"^(?:pseries-\d+\.\d+|spapr-machine-?\d+\.\d+)"),
    ),
    (
        "s390-ccw-virtio",
        re.compile(r"^hw/s390x/s390-virtio-ccw\.c$"),
        re.compile(r"^s390-ccw-(?:virtio-\d+\.\d+|machine-?\d+\.\d+)"),
    ),
    ("virt", re.compile(r"^hw/arm/virt\.c$"), re.compile(r"^virt-\d+\.\d+")),
)


def family_of(path: str) -> str | None:
    """The versioned machine family whose compat code lives in `path`, if any."""
    for name, pat, _types in FAMILIES:
        if pat.match(path):
            return name
    return None


def _new_functions(ctx: RuleContext) -> set[str]:
    out: set[str] = set()
    for _path, old, new in ctx.models:
        if new is None:
            continue
        before = {f[0] for f in old.functions} if old is not None else set()
        out.update(f[0] for f in new.functions if f[0] not in before)
    return out


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per switch (on its first added call): families with versioned types lacking it."""
    if change.op != "added" or not isinstance(change.new, CallSite):
        return
    callee = change.new.call
    if not KNOB.match(callee) or family_of(change.path) is None:
        return
    calls = sorted(
        (c for c in ctx.changes if c.kind == "call" and c.op == "added"),
        key=lambda c: (c.path, c.line),
    )
    mine = [c for c in calls if isinstance(c.new, CallSite) and c.new.call == callee]
    if not mine or (mine[0] is not change and mine[0] != change):
        return
    if callee not in _new_functions(ctx):
        return  # an existing switch: its other callers are not in this series' view
    tree = ctx.new_tree
    if tree is None:
        return
    covered = {f for c in mine if (f := family_of(c.path)) is not None}
    names = tree.type_names()
    missing = [
        fam
        for fam, _pat, types in FAMILIES
        if fam not in covered and any(types.match(n) for n in names)
    ]
    if not missing:
        return
    yield Hit(
        message=(
            f"{callee}() changes the migration stream globally and is called for old "
            f"{', '.join(sorted(covered))} machine types only: versioned "
            f"{', '.join(missing)} machine types of older releases get the new stream too, "
            "so their migration to and from older QEMU breaks"
        ),
        line=change.line,
        side="new",
        entity=f"{callee}",
    )
