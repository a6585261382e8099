"""MIG038 spapr-cap-unmigrated: a new sPAPR capability has no migration state.

*What it flags*

An entry added to `capability_table[]` (hw/ppc/spapr_caps.c, `[SPAPR_CAP_X] = { ... }`) when
the file defines no `vmstate_spapr_cap_<x>` description for it (QEMU makes them with
`SPAPR_CAP_MIG_STATE(<x>, SPAPR_CAP_X)` and lists them as subsections of `vmstate_spapr`).

*Why it breaks migration*

Capabilities are machine configuration that the destination checks against the source: each
capability whose value differs from the destination's default is sent in its own
`spapr/cap/<x>` subsection, and `spapr_caps_post_migration()` compares what arrived with the
local setting. A capability without that subsection is never sent, so a source that runs with
a non-default value (`-machine cap-x=off`, or a default that depends on the CPU) migrates to
a destination that assumes the default, and the check fails or the guest silently loses the
behaviour.

*Example*

ccc5a4c5e108 added `SPAPR_CAP_AIL_MODE_3` to `capability_table[]` without
`SPAPR_CAP_MIG_STATE(ail_mode_3, SPAPR_CAP_AIL_MODE_3)` and without
`&vmstate_spapr_cap_ail_mode_3` in `vmstate_spapr.subsections`; the fix added both.

*Instead*

Add `SPAPR_CAP_MIG_STATE(<x>, SPAPR_CAP_X);` in spapr_caps.c, declare it in spapr.h and list
`&vmstate_spapr_cap_<x>` in `vmstate_spapr`'s subsections.

*References*

- hw/ppc/spapr_caps.c (`SPAPR_CAP_MIG_STATE`, `spapr_caps_post_migration`)
- QEMU commit ccc5a4c5e108 and its fix
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import InitializerArray
from bot.rulekit.ctx import file_model

RULE = RuleSpec(
    id="MIG038",
    name="spapr-cap-unmigrated",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="a new sPAPR capability has no migration state",
    fix_hint="add SPAPR_CAP_MIG_STATE(x, SPAPR_CAP_X) and list it in vmstate_spapr.subsections",
    kinds=("array",),
)

_INDEX = re.compile(r"\[\s*SPAPR_CAP_(\w+)\s*\]\s*=")


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report capability_table entries added without a vmstate_spapr_cap_<x>."""
    n, o = change.new, change.old
    if change.op != "modified" or not isinstance(n, InitializerArray):
        return
    if n.name != "capability_table" or not isinstance(o, InitializerArray):
        return
    added = sorted(set(_INDEX.findall(n.text)) - set(_INDEX.findall(o.text)))
    m = file_model(ctx, change.path, "new")
    if not added or m is None:
        return
    have = {v.c_name for v in m.vmsds}
    for cap in added:
        vmsd = f"vmstate_spapr_cap_{cap.lower()}"
        if vmsd in have:
            continue
        yield Hit(
            message=(
                f"capability SPAPR_CAP_{cap} is added to capability_table but has no migration "
                f"state ({vmsd}): a non-default value is never sent, so the destination "
                "assumes its own default and the capability check after migration fails"
            ),
            line=n.line,
            side="new",
            entity=f"capability_table[SPAPR_CAP_{cap}]",
        )
