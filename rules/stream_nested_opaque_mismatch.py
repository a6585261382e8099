"""MIG045 stream-nested-opaque-mismatch: a hand-written load/save passes the wrong opaque.

*What it flags*

In an open-coded save/load function (legacy `load_state_old`, `VMStateInfo` .get/.put,
`save_config`/`load_config`), a `vmstate_load_state(f, &vmsd, X, ...)` or
`vmstate_save_state(f, &vmsd, X, ...)` call, added or changed by the patch, whose opaque `X`
points to a different struct than the one the nested description's fields name (its opaque
type: the strict majority of its fields' structs). The type of `X` comes from the function's
parameters and locals (`PIIX4PMState *s = opaque;` makes `opaque` a `PIIX4PMState`). A
device's generic QOM parents (`DeviceState`, `PCIDevice` ...) are not flagged.

*Why it breaks migration*

The nested description computes every field offset inside its own struct. Handed the
enclosing device state instead, it saves (or, worse, overwrites on load) unrelated bytes at
those offsets: the nested state is lost and the device state is corrupted on the
destination, silently.

*Example*

b0b873a07872 added `acpi_load_old()` to read pre-1.3 piix4_pm streams, with
`vmstate_load_state(f, &vmstate_apm, opaque, 1)` and
`vmstate_load_state(f, &vmstate_pci_status, opaque, 1)` where `opaque` is the
`PIIX4PMState`; `vmstate_apm` describes an `APMState`. ded67782e6 passes `&s->apm` and
`&s->pci0_status`.

*Instead*

Pass the member the nested description describes (`&s->apm`), exactly as a
`VMSTATE_STRUCT(apm, PIIX4PMState, 0, vmstate_apm, APMState)` field would.

*References*

- docs/devel/migration/main.rst "Legacy way"; migration/vmstate.c `vmstate_load_state`
- QEMU commits b0b873a07872, ded67782e6
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import StreamFunction, StreamOp
from bot.rulekit import ctx as K
from bot.rulekit.vmsd import GENERIC_PARENT_TYPES, norm_type, opaque_type

RULE = RuleSpec(
    id="MIG045",
    name="stream-nested-opaque-mismatch",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="a nested vmstate_load_state/save_state call gets an opaque of the wrong type",
    fix_hint="pass the member the nested description describes (&s->member)",
    kinds=("stream",),
)


def _introduced(change: EntityChange, new: StreamFunction) -> list[StreamOp]:
    nested = [o for o in new.ops if o.op in ("load_state", "save_state")]
    old = change.old
    if change.op == "added" or not isinstance(old, StreamFunction):
        return nested
    before = {(o.op, o.width, o.arg) for o in old.ops}
    return [o for o in nested if (o.op, o.width, o.arg) not in before]


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per introduced nested call whose opaque type differs from the vmsd's."""
    new = change.new
    if not isinstance(new, StreamFunction) or change.op == "removed":
        return
    types = dict(new.pointers)
    for o in _introduced(change, new):
        have = norm_type(types.get(o.arg))
        if have is None or have in GENERIC_PARENT_TYPES:
            continue
        v = K.find_vmsd(ctx, o.width, "new")
        want = opaque_type(v) if v is not None else None
        if want is None or want == have or want in GENERIC_PARENT_TYPES:
            continue
        yield Hit(
            message=(
                f"{new.name}() calls vmstate_{o.op}(f, &{o.width}, {o.arg}, ...) with "
                f"'{o.arg}' pointing to a {have}, but {o.width} describes a {want}: its "
                f"fields are read and written at {want} offsets inside the {have}, "
                "corrupting state on both sides"
            ),
            line=o.line,
            side="new",
            entity=f"{new.name}:{o.op}:{o.width}",
        )
