"""MIG018 vmsd-hook-body-changed: the body of an existing vmsd's pre_save/post_load changed

*What it flags*

A change inside the body of a function that an existing `VMStateDescription` names as
`.pre_save`, `.post_load`, `.pre_load` or `.post_save` (also when the function is defined
in another file than the vmsd, such as a shared `pcie_cap_slot_post_load`), while the vmsd
itself may be untouched. The finding says what the body now does differently: the calls it
now makes or no longer makes, the members it writes, its return values.

Quiet: comments and whitespace, added or removed tracing, logging, `error_report` and
assertions, renamed parameters and locals, QOM casts written another way (`PCI_DEVICE(s)`
for `&s->dev`), renamed macros, and a hook renamed without other change. A change whose new
logic tests a device property or a machine compat flag (so old machine types can keep the
old behaviour) is a note, and so is a change of conditions or return values only (no call
made for its effect and no member write added or removed, a call moved behind a function
pointer included). A load hook whose new logic reads a member that now takes an
always-sent wire slot of the vmsd in place of another (`VMSTATE_UINT32(mig_nb_table, S)` where
`VMSTATE_UINT32_EQUAL(nb_table, S)` was: the staging members of a26fdf393404) is a note too:
older QEMU's bytes for that slot land in the new member, so the hook consumes what they sent;
this includes a struct whose slots now load into a staging copy (`VMSTATE_UINT16(mig_props.mss,
S)` where `VMSTATE_UINT16(tx.props.mss, S)` was), and a `pre_save` whose only new work is to
fill that copy from the member it replaced (`s->mig_props = s->tx.props;`). So is new logic
that only writes members the same change adds to the struct, calling at most side-effect-free
helpers it also adds (`if (s->phase == SENTINEL) s->phase = derive(s);` after `pre_load` set
the sentinel): it derives new state that older streams lack and leaves what they carry as it
was. Likewise new logic that is only inserted `if` blocks whose condition requires such an
added member to be set (`if (env->exception_pending && ...) { env->exception_injected = 1; ...
}`, fd13f23b8c95): it runs only for state older code never had.

*Why it breaks migration*

`post_load`/`pre_load` run on the destination for every incoming stream, also for streams
from older QEMU on the same machine type, whose state older code produced and which never
followed the new code's conventions: new post_load logic that reinterprets loaded state
(powering off a slot whose power bit older QEMU never set, re-deriving a mapping from a
register older QEMU left stale) changes the guest after migration. `pre_save` decides what
goes into migrated fields, which an older destination reads as before; an early return or a
dropped assignment sends stale values. None of this shows in the vmsd's fields, so the dump
comparison and the field rules cannot see it.

*Example*

```c
 int pcie_cap_slot_post_load(void *opaque, int version_id)
 {
     PCIDevice *dev = opaque;
     hotplug_event_update_event_status(dev);
+    pcie_cap_update_power(dev);
     return 0;
 }
```

*Instead*

Make the new logic give the old result for every stream older QEMU sends on the same machine
type, or tie it to a device property (`DEFINE_PROP_BOOL("x-...", ..., true)`) that the
previous release's `hw_compat_X_Y` array turns off, and test that property in the hook
(docs/devel/migration/main.rst, "Connecting subsections to properties"). When the hook must
rebuild runtime state from loaded fields (address spaces, memory region enables, KVM state),
do it for every path that loads them, hot-plugged devices included.

*References*

- docs/devel/migration/main.rst, "Save state", "Connecting subsections to properties"
- d5daff7d3126 (PCIe slot power applied in post_load), fixed by 6b0969f1ec82
- 5c4537bded40 (spapr_pci pre_save returns before the compat fields), fixed by e806b4db1477
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.rulekit.hooks import (
    LOAD_ROLES,
    SAVE_ROLES,
    HookUse,
    added_state_gate,
    body_change,
    describe,
    fills_added_state,
    gating_member,
    hook_uses,
    only_macro_renames,
    property_members,
    slot_members,
    staged_copy,
    substantive,
    vmsd_list,
)

RULE = RuleSpec(
    id="MIG018",
    name="vmsd-hook-body-changed",
    severity=Severity.WARNING,
    category=Category.FIELD_SEMANTICS_CHANGED,
    confidence="medium",
    scope="patch",
    message="the body of an existing vmsd's pre_save/post_load hook changed",
    fix_hint=(
        "make the hook give the old result for streams of older QEMU on the same machine "
        "type, or gate the new logic on a property that the previous release's hw_compat "
        "array turns off"
    ),
    kinds=("hook_body",),
)

_WHY = {
    "load": (
        "the destination runs it on every incoming stream, also on streams from older QEMU "
        "on the same machine type whose state older code produced: make sure the new logic "
        "gives the old result for them, or gate it on a compat property"
    ),
    "save": (
        "it decides what goes into the migrated fields, which older QEMU on the same machine "
        "type reads as before: make sure they still carry what it expects"
    ),
}


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit for a changed body of a pre_save/post_load/pre_load/post_save hook."""
    pair = body_change(change)
    if pair is None:
        return
    old, new = pair
    uses = hook_uses(ctx, change, LOAD_ROLES + SAVE_ROLES)
    if not uses or only_macro_renames(old, new):
        return
    roles = list(dict.fromkeys(u.role for u in uses))
    kind = "load" if any(r in LOAD_ROLES for r in roles) else "save"
    gate = gating_member(old, new, property_members(ctx, uses))
    severity: Severity | None = None
    tail = _WHY[kind]
    if gate is not None:
        severity = Severity.NOTE
        tail = (
            f"the new logic tests '{gate}', so machine types that turn it off keep the old "
            "behaviour: check that the previous release's compat array does"
        )
    elif kind == "load" and (slot := gating_member(old, new, set(slots := slot_members(uses)))):
        severity = Severity.NOTE
        tail = (
            f"the new logic reads '{slot}', which now receives the bytes older QEMU sends "
            f"in the same slot for '{slots[slot]}': check that it gives the old result for them"
        )
    elif kind == "save" and (staged := staged_copy(old, new, slots := slot_members(uses))):
        severity = Severity.NOTE
        tail = (
            f"it copies '{slots[staged]}' into '{staged}', which now takes the same wire "
            "slots: older QEMU receives what it received before"
        )
    elif filled := fills_added_state(ctx, old, new):
        severity = Severity.NOTE
        tail = (
            f"the new logic only fills {', '.join(repr(m) for m in filled)}, which this change "
            "adds: streams of older QEMU carry no state for it, and what they carry is "
            "handled as before"
        )
    elif fresh := added_state_gate(ctx, old, new):
        severity = Severity.NOTE
        tail = (
            f"all of the new logic runs under a test of '{fresh}', which this change adds: "
            "no state of older QEMU sets it, so what its streams carry is handled as before"
        )
    elif all(r in ("post_save", "post_save_errp") for r in roles):
        severity = Severity.NOTE  # post_save only undoes what pre_save did on the source
    elif not substantive(ctx, old, new):
        severity = Severity.NOTE  # only conditions or returns: worth a look, not a block
    yield Hit(
        message=(
            f"{'/'.join(roles)} hook {new.name}() of {vmsd_list(uses)} changed: "
            f"{describe(old, new)}; {tail}"
        ),
        line=new.line,
        side="new",
        entity=_entity(uses[0], new.name),
        severity=severity,
    )


def _entity(use: HookUse, function: str) -> str:
    return f"{use.vmsd.c_name}.{use.role}[{function}]"
