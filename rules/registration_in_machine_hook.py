"""MIG025 registration-in-machine-hook: a section registered from a versioned machine's option hook

*What it flags*

A `vmstate_register*()` / `register_savevm*()` call added to the option hook of one machine
version (`<board>_machine_X_Y_options`, `..._class_options`, `..._instance_options`), directly
or through a helper of the patch that registers (`css_register_vmstate()`).

*Why it breaks migration*

The option hook of version X.Y runs for X.Y and for the older versions whose hooks chain to
it, never for the versions added later. A registration placed in the newest version's hook
works on the day it is written and silently disappears from the next machine version: that
machine type stops sending the section, and migration between it and a QEMU that sends the
section fails in both directions ("Unknown savevm section" on one side, state missing on the
other).

*Example*

```c
 static void ccw_machine_2_10_instance_options(MachineState *machine)
 {
+    if (css_migration_enabled()) {
+        css_register_vmstate();
+    }
 }
```

*Instead*

Register in the machine's init (or the device's realize), for every version, and decide per
version with a machine class flag that old versions' hooks set (`css_migration_enabled()`
read in `ccw_init`).

*References*

- docs/devel/migration/main.rst, "Connecting subsections to properties"
- e996583eb35c (css vmstate registered in the 2.10 instance_options hook), fixed by
  moving the registration into ccw_init
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite, VmstateRegistration
from bot.rulekit.ctx import models

RULE = RuleSpec(
    id="MIG025",
    name="registration-in-machine-hook",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="patch",
    message="vmstate registered from one machine version's option hook",
    fix_hint=(
        "register in the machine's init for every version; let old versions' hooks set a "
        "machine class flag that the registration reads"
    ),
    kinds=("call", "registration"),
)

_HOOK = re.compile(r"_machine_(\d+)_(\d+)_(?:class_|instance_)?options$")
_REGISTERS = ("vmstate_register", "register_savevm")


def _registering_helper(ctx: RuleContext, callee: str) -> VmstateRegistration | None:
    """A registration inside the function `callee`, in the unit's new files."""
    for _path, m in models(ctx, "new"):
        for r in m.registrations:
            if r.function == callee and r.call.startswith(_REGISTERS):
                return r
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit for a registration added to a versioned machine's option hook."""
    if change.op != "added":
        return
    new = change.new
    if isinstance(new, VmstateRegistration):
        if not new.call.startswith(_REGISTERS):
            return
        via = ""
        what = new.vmsd or new.vmsd_expr
    elif isinstance(new, CallSite):
        if new.call.startswith(_REGISTERS):
            return  # a VmstateRegistration change reports it
        reg = _registering_helper(ctx, new.call)
        if reg is None:
            return
        via = f" through {new.call}()"
        what = reg.vmsd or reg.vmsd_expr
    else:
        return
    m = _HOOK.search(new.function or "")
    if m is None:
        return
    ver = f"{m.group(1)}.{m.group(2)}"
    yield Hit(
        message=(
            f"'{what}' is registered{via} from {new.function}(), which runs only for machine "
            f"version {ver} and the older versions chained to it: the next machine version "
            "will not register it and stops sending the section"
        ),
        line=new.line,
        side="new",
        entity=f"{new.function}.registration[{what}]",
    )
