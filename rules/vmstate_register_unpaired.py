"""MIG027 vmstate-register-unpaired: a registration made on the realize path is not undone on
unrealize.

*What it flags*

A new `vmstate_register*()` call, or an open-coded `register_savevm()` of the trees before
2019, in a function that the file's realize function reaches (directly or through helpers of
the same file), when the object can go away and nothing undoes the registration: the file
has an unrealize or finalize function and no function that one reaches calls
`vmstate_unregister()` for the same description (`unregister_savevm()` for the same idstr);
or the file has no unrealize/finalize at all while its type derives from a hot-pluggable
base (a virtio, PCI, USB or SCSI device). An unregister only on the realize error path does
not count. Quiet when the old file already made the same registration on its setup path
(realize, or the type's instance_init) without undoing it: a registration moved from
instance_init into realize leaves the missing unregister where it was.

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
- 4652f1640e02 (virtio-9p `register_savevm()` in realize, no unrealize: migrating after a
  hot-unplug crashed the source) and its fix 6cecf093735f, which added an unrealize that
  calls `unregister_savevm()`
- docs/devel/migration/main.rst, "Legacy way" (`vmstate_register`/`vmstate_unregister`)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel, VmstateRegistration
from bot.rulekit.ctx import REGISTER_CALLS, file_model, norm

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


# Base types whose devices can be hot-unplugged: with no unrealize/finalize in the file,
# nothing undoes a registration made when one of them is realized.
_HOTPLUG_BASES = frozenset({"virtio-device", "pci-device", "usb-device", "scsi-device"})
_HOTPLUG_BASE_MACROS = frozenset(
    {"TYPE_VIRTIO_DEVICE", "TYPE_PCI_DEVICE", "TYPE_USB_DEVICE", "TYPE_SCSI_DEVICE"}
)
_REGISTERS = REGISTER_CALLS | {"register_savevm"}


def _undone_by(r: VmstateRegistration, u: VmstateRegistration) -> bool:
    if r.call == "register_savevm":
        return u.call == "unregister_savevm" and norm(u.vmsd_expr) == norm(r.vmsd_expr)
    return u.call == "vmstate_unregister" and u.vmsd == r.vmsd


def _same_registration(o: VmstateRegistration, r: VmstateRegistration) -> bool:
    if o.call != r.call:
        return False
    return o.vmsd == r.vmsd if r.vmsd else norm(o.vmsd_expr) == norm(r.vmsd_expr)


def _unpaired_before(m: FileModel | None, r: VmstateRegistration) -> bool:
    """Whether the old file already made the same registration when an object was set up
    (realize, or an instance_init that runs for every object, introspection included) and
    nothing its unrealize/finalize reaches undid it: the registration only moved within the
    setup path, and the missing unregister is no news of this change."""
    if m is None:
        return False
    names = [n for n, _lo, _hi in m.functions]
    roots = [n for n in names if _is_setup(n)]
    roots += [t.instance_init for t in m.types if t.instance_init and t.instance_init in names]
    setup = _reach(m, roots)
    same = [o for o in m.registrations if o.function in setup and _same_registration(o, r)]
    if not same:
        return False
    down = _reach(m, [n for n in names if _is_teardown(n)])
    return not any(_undone_by(o, u) and u.function in down for o in same for u in m.registrations)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report new realize-path registrations that no unrealize path unregisters."""
    r = change.new
    if change.op != "added" or not isinstance(r, VmstateRegistration):
        return
    if r.call not in _REGISTERS or r.function is None:
        return
    if r.vmsd is None and r.call != "register_savevm":
        return
    m = file_model(ctx, change.path, "new")
    if m is None:
        return
    if _unpaired_before(file_model(ctx, change.old_path or change.path, "old"), r):
        return
    names = [n for n, _lo, _hi in m.functions]
    setup = [n for n in names if _is_setup(n)]
    teardown = [n for n in names if _is_teardown(n)]
    if r.function not in _reach(m, setup):
        return
    what = r.vmsd or norm(r.vmsd_expr)
    if not teardown:
        bases = sorted(
            {
                t.parent or t.parent_expr or ""
                for t in m.types
                if t.parent in _HOTPLUG_BASES or t.parent_expr in _HOTPLUG_BASE_MACROS
            }
        )
        if not bases or r.function not in _reach(m, [n for n in setup if "realize" in n]):
            return
        yield Hit(
            message=(
                f"{r.function}() registers {what} on the realize path of a {bases[0]} "
                "subtype, which can be hot-unplugged, and the file has no unrealize to "
                "unregister it: after unplug the section stays registered with a freed "
                "opaque, so the next migration or savevm sends (or crashes on) a device "
                "that is gone"
            ),
            line=r.line,
            side="new",
            entity=f"{r.call}({what})@{r.function}",
        )
        return
    down = _reach(m, teardown)
    if any(_undone_by(r, u) and u.function in down for u in m.registrations):
        return
    yield Hit(
        message=(
            f"{r.function}() registers {what} on the realize path, but nothing "
            f"{'/'.join(sorted(teardown))}() reaches unregisters it: after unplug the "
            "section stays registered with a freed opaque, so migration sends a section for a "
            "device that is gone"
        ),
        line=r.line,
        side="new",
        entity=f"{r.call}({what})@{r.function}",
    )
