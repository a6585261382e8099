"""MIG026 vmsd-state-sent-twice: a description registered as a section of its own is now also
embedded in another one.

*What it flags*

- A field added to a description that embeds a nested description (`VMSTATE_STRUCT(..., &V)`,
  `VMSTATE_CPU()` for `vmstate_cpu_common`) while the tree still registers `V` as a section
  of its own with an unconditional `vmstate_register*()` call (in the file that defines `V`,
  or in a file the patch touches).
- A new realize call (`qdev_realize`, `sysbus_realize`, `object_property_set_bool(obj, true,
  "realized", ...)`, `qdev_init_nofail`) on a member of the device state that the file's
  description already embeds with `VMSTATE_STRUCT*(member, ..., V, ...)`, where `V` is the
  `dc->vmsd` of a QOM type: the realized child registers `V` as its own section.

*Why it breaks migration*

The same state then goes on the wire twice: once in its own section, once inside the
embedding one. The embedding section has a new layout that older QEMU does not expect, and
on load the two copies are restored one after the other (whichever comes last wins, with
its own post_load side effects). QEMU's fix in such cases skips the separate registration
when the class provides a description that embeds it (`if (cc->vmsd == NULL)`), and keeps
the old layout for older machine types.

*Example*

```c
static VMStateField vmstate_cpu_fields[] = {
    VMSTATE_CPU(),          /* vmstate_cpu_common, still registered in cpu_exec_init() */
    VMSTATE_STRUCT(env, AlphaCPU, 1, vmstate_env, CPUAlphaState),
    VMSTATE_END_OF_LIST()
};
```

*Instead*

Register the nested description on its own only where nothing embeds it (make the
`vmstate_register()` conditional, as exec.c's `cpu_exec_init()` did with `cc->vmsd == NULL`),
or embed it only where it is not registered separately.

*References*

- fe31e7374299 (AlphaCPU embeds cpu_common while cpu_exec_init registers it) and its fix
- c9808d602813 (the serial core realized as a device while serial-isa/pci embed its state)
- docs/devel/migration/main.rst, "VMState"
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite, VmstateRegistration
from bot.model.view import member_kind
from bot.rulekit.ctx import REGISTER_CALLS, file_model, models, tree
from bot.rulekit.vmsd import field_entity, field_label, introduced_fields, vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG026",
    name="vmsd-state-sent-twice",
    severity=Severity.WARNING,
    category=Category.SECTION_ADDED,
    confidence="medium",
    scope="patch",
    message="a description registered as its own section is now also embedded in another",
    fix_hint=(
        "register the nested description only where nothing embeds it (make the "
        "vmstate_register() conditional), or do not embed it"
    ),
    kinds=("vmsd", "call"),
)


def _own_registrations(ctx: RuleContext, c_name: str) -> list[tuple[str, VmstateRegistration]]:
    """Unconditional new-side registrations of `c_name` as a section of its own."""
    seen: dict[tuple[str, int], tuple[str, VmstateRegistration]] = {}
    paths = [p for p, _m in models(ctx, "new")]
    t = tree(ctx, "new")
    home = t.vmsd_path(c_name) if t is not None else None
    if home is not None:
        paths.append(home)
    for p in dict.fromkeys(paths):
        m = file_model(ctx, p, "new")
        for r in m.registrations if m is not None else ():
            if r.call in REGISTER_CALLS and r.vmsd == c_name and not r.conditional:
                seen.setdefault((p, r.line), (p, r))
    return list(seen.values())


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report state that goes on the wire twice: embedded and registered on its own."""
    if change.kind == "call":
        yield from _realized_child(change, ctx)
        return
    _, new = vmsd_change(change)
    if new is None or change.op not in ("added", "modified"):
        return
    for f in introduced_fields(change):
        ref = f.vmsd_ref
        if ref is None or ref == new.c_name:
            continue
        regs = _own_registrations(ctx, ref)
        if not regs:
            continue
        path, reg = regs[0]
        where = f"{reg.function}() in {path}" if reg.function else path
        yield Hit(
            message=(
                f"field '{field_label(f)}' of '{vmsd_label(new)}' embeds {ref}, which "
                f"{where} still registers as a section of its own (unconditionally): its "
                "state goes on the wire twice, and the embedding section's layout is not what "
                "older QEMU expects"
            ),
            line=f.line,
            side="new",
            entity=field_entity(new, f),
        )


def _is_device_vmsd(ctx: RuleContext, c_name: str) -> bool:
    """Some QOM type's class_init sets dc->vmsd = &c_name (unit files, the file defining
    it, then the tree)."""
    t = tree(ctx, "new")
    home = t.vmsd_path(c_name) if t is not None else None
    files = [m for _p, m in models(ctx, "new")]
    home_m = file_model(ctx, home, "new") if home is not None else None
    for m in (*files, *((home_m,) if home_m is not None else ())):
        for ci in m.class_inits:
            if ci.vmsd == c_name and member_kind(ci.vmsd_member) != "legacy":
                return True
    return t is not None and bool(t.types_for_vmsd(c_name))


def _member(target: str) -> str:
    """Last member name of an object path: `isa->state` -> `state`, `s->uart[0]` -> `uart`."""
    return re.split(r"->|\.", target)[-1].split("[")[0].strip()


def _realized_child(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    n = change.new
    if change.op != "added" or not isinstance(n, CallSite) or not n.target:
        return
    if "->" not in n.target and "." not in n.target:
        return  # a local object, not a member of the device state
    member = _member(n.target)
    old_m = file_model(ctx, change.old_path or change.path, "old")
    if old_m is not None and any(
        c.target == n.target and c.function == n.function for c in old_m.calls
    ):
        return  # it was realized there before (only the call changed)
    m = file_model(ctx, change.path, "new")
    for v in m.vmsds if m is not None else ():
        for f in v.payload_fields:
            ref = f.vmsd_ref
            if ref is None or (f.c_field or "").split("[")[0] != member:
                continue
            if not f.macro.startswith("VMSTATE_STRUCT") or not _is_device_vmsd(ctx, ref):
                continue
            yield Hit(
                message=(
                    f"{n.function or 'this function'} now realizes {n.target}, whose type's "
                    f"dc->vmsd {ref} then goes out as a section of its own, while "
                    f"'{vmsd_label(v)}' already embeds the same state ({f.macro}({member}, "
                    "...)): it is sent twice, and older QEMU fails on the unknown section"
                ),
                line=n.line,
                side="new",
                entity=f"realize({n.target})@{n.function or '-'}",
            )
            return
