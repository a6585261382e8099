"""Shared check for "a property default changed: is there a compat entry?" (MIG030, MIG034)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext
from bot.findings import Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Property, TypeInfo
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D


def is_feature_bit(p: Property) -> bool:
    """A virtio/feature bit property (owned by MIG034)."""
    return p.macro.startswith("DEFINE_PROP_BIT") and (p.c_field or "").endswith("features")


# Properties that configure the host side of a device (how QEMU implements it), not what
# the guest sees or what is migrated: their defaults may change freely.
HOST_SIDE_PROPERTIES = frozenset(
    {
        "ioeventfd",
        "iothread",
        "iothread-vq-mapping",
        "vhostforce",
        "x-iothread-poll-max-ns",
    }
)


def is_host_side(p: Property) -> bool:
    """A property of the host-side implementation (ioeventfd, iothread ...)."""
    return pname(p) in HOST_SIDE_PROPERTIES


def pname(p: Property) -> str:
    """The property name, resolved or raw without quotes."""
    return p.name or K.norm(p.name_expr).strip('"')


def missing_entry_hits(
    ctx: RuleContext,
    change: EntityChange,
    prop: Property,
    old_default: str | None,
    what: str,
    severity: Severity | None = None,
    confidence: str | None = None,
) -> Iterator[Hit]:
    """One Hit when neither the newest nor (for MIG031) an older array got a matching entry."""
    owners = K.property_owners(ctx, "new", change.path, prop)
    drivers = C.type_names(ctx, owners) | C.descendant_names(ctx, owners)
    # no TypeInfo names the array's class_init (subtypes registered in a loop): the type
    # whose instances are the struct, e1000-base for E1000State
    sized = D.device_of_state(ctx, prop.struct) if not owners and prop.struct else None
    if sized is not None and sized.type_name:
        drivers |= {sized.type_name}
    if not drivers and prop.struct:
        drivers = {prop.struct}
    name = pname(prop)
    newest = C.compat_target(ctx)
    if C.find_entries_for(ctx, drivers, name, newest):
        return
    # An entry the series adds to another array is MIG031's finding, not a missing one.
    for ea in C.added_entries(ctx):
        if C.entry_driver(ea.entry) in drivers and C.entry_property(ea.entry) == name:
            return
    driver = _driver_text(owners) or (sized.type_name if sized is not None else None)
    old = D.resolve_value(ctx, old_default, "old") if old_default is not None else None
    value = C.compat_value(prop, old if old is not None else old_default)
    array = C.compat_name(newest) if newest is not None else "the newest hw_compat array"
    fill_what = (f"the old value of {old_default}" if old_default is not None
                 else f"the value '{name}' had before this change")  # fmt: skip
    if driver is None:
        driver = D.fill(f"the QOM type of {prop.struct or prop.array}") + ' ""'
    draft: str | None = None
    edits: tuple[DraftEdit, ...] = ()
    names = [t.name for t in owners if t.name]
    if not names or any(D.reaches_versioned(ctx, n) for n in names):
        draft, edits = D.compat_entry(ctx, driver, name, value, fill_what)
    yield Hit(
        message=(
            f"{what} for '{driver}', but {array} has no entry for it: machine types of "
            f"older releases now get the new value and migration with them breaks"
        ),
        line=change.line,
        side="new",
        entity=f"{prop.array}.{name}",
        fix_draft=draft,
        fix_edits=edits,
        severity=severity,
        confidence=confidence,
    )


def _driver_text(owners: list[TypeInfo]) -> str | None:
    for t in owners:
        if t.name:
            return t.name
    for t in owners:
        if t.name_expr:
            return K.norm(t.name_expr)
    return None
