"""MIG027 vmstate-register-unpaired: a registration made on the realize path is not undone on
unrealize.

*What it flags*

A new `vmstate_register*()` call in a function that the file's realize function reaches
(directly or through helpers of the same file), when the file also has an unrealize or
finalize function (the object can go away, e.g. on hot-unplug) and no function that one
reaches calls `vmstate_unregister()` for the same description. An unregister only on the
realize error path does not count.

*Why it breaks migration*

After the device is unplugged its section stays registered, with an opaque that points to
freed memory: the next migration or savevm sends a section for an object that no longer
exists (garbage, or a crash), and the destination, which has no such device, fails with
"Unknown section or instance". Replugging registers a second instance.

*Example*

```c
static PowerPCCPU *spapr_create_vcpu(sPAPRCPUCore *sc, int i, Error **errp)
{
    ...
    vmstate_register(NULL, cs->cpu_index, &vmstate_spapr_cpu_state, cpu->machine_data);
}
/* spapr_cpu_core_unrealize() -> spapr_unrealize_vcpu(): no vmstate_unregister() */
```

*Instead*

Pair them: unregister in the unrealize (or finalize) path with the same description and
opaque (`vmstate_unregister(NULL, &vmstate_spapr_cpu_state, cpu->machine_data)`), or let qdev
do both by setting `dc->vmsd`.

*References*

- b94020268e0b (spapr per-CPU state registered at core creation, never unregistered on
  unplug) and its fix, which moved both into realize/unrealize
- docs/devel/migration/main.rst, "Legacy way" (`vmstate_register`/`vmstate_unregister`)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel, VmstateRegistration
from bot.rulekit.ctx import REGISTER_CALLS, file_model

RULE = RuleSpec(
    id="MIG027",
    name="vmstate-register-unpaired",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="a vmstate registration on the realize path is not undone on unrealize",
    fix_hint="call vmstate_unregister() with the same vmsd and opaque from the unrealize path",
    kinds=("registration",),
)


def _is_teardown(name: str) -> bool:
    return name.endswith(("unrealize", "unrealizefn", "finalize", "finalizefn"))


def _is_setup(name: str) -> bool:
    return ("realize" in name and "unrealize" not in name) or name.endswith("instance_init")


def _reach(m: FileModel, roots: list[str]) -> set[str]:
    seen = set(roots)
    todo = list(roots)
    while todo:
        for c in m.callees(todo.pop()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report new realize-path registrations that no unrealize path unregisters."""
    r = change.new
    if change.op != "added" or not isinstance(r, VmstateRegistration):
        return
    if r.call not in REGISTER_CALLS or r.vmsd is None or r.function is None:
        return
    m = file_model(ctx, change.path, "new")
    if m is None or not m.call_edges:
        return
    names = [n for n, _lo, _hi in m.functions]
    setup = [n for n in names if _is_setup(n)]
    teardown = [n for n in names if _is_teardown(n)]
    if not teardown or r.function not in _reach(m, setup):
        return
    down = _reach(m, teardown)
    if any(
        u.call == "vmstate_unregister" and u.vmsd == r.vmsd and u.function in down
        for u in m.registrations
    ):
        return
    yield Hit(
        message=(
            f"{r.function}() registers {r.vmsd} on the realize path, but nothing "
            f"{'/'.join(sorted(teardown))}() reaches unregisters it: after unplug the "
            "section stays registered with a freed opaque, so migration sends a section for a "
            "device that is gone"
        ),
        line=r.line,
        side="new",
        entity=f"{r.call}({r.vmsd})@{r.function}",
    )
