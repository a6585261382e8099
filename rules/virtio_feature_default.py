"""MIG034 virtio-feature-default: a virtio feature bit is newly offered by default.

*What it flags*

- A feature-bit property (`DEFINE_PROP_BIT`/`DEFINE_PROP_BIT64` on `host_features` or another
  `*features` field) added to an existing device with default `true`, or whose default flips
  from `false` to `true`,
- ...with no entry setting it `off` for that device in the newest `hw_compat_X_Y` (same
  newest-array rule as MIG030).
- An unconditional `virtio_add_feature()` added to an existing function (medium confidence),
  or one whose only condition is a host-side fact (no vhost backend, the peer's
  capabilities, KVM) rather than a device property or the host feature bits.
- The same in the older style: `features |= 1 << VIRTIO_X_F_Y;` added to a `*get_features`
  function (outside `target/`), or `s->host_features |= 1ULL << VIRTIO_X_F_Y;` added to any
  function (realize).
- `virtio_clear_feature()` newly unconditional in an existing `*get_features`: a bit old
  machine types offered is withdrawn from all of them.

*Why it breaks migration*

The features a device offers are negotiated with the guest driver at boot. A destination that
offers a different set for the same machine type either refuses the incoming state (the
guest acked a feature the destination does not offer: "Features 0x... unsupported") or runs
the guest with features it did not negotiate.

*Example*

`hw_compat_10_1` carries `{ TYPE_VIRTIO_NET, "host_tunnel", "off" }` (and similar
`host_uso`/`guest_uso` entries in older arrays): each new virtio-net offload bit that
defaults to on needs one.

*Instead*

Add `{ "<virtio device type>", "<bit property>", "off" },` to the newest `hw_compat_X_Y`
(the finding carries the line), or tie `virtio_add_feature()` to such a property.

*References*

- docs/devel/migration/compatibility.rst, "A device with different features on both sides";
  hw/core/machine.c `hw_compat_10_1` (`host_tunnel`)
- docs/devel/migration/virtio.rst
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import CallSite, FeatureMask, Property
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.propcompat import is_feature_bit, missing_entry_hits

RULE = RuleSpec(
    id="MIG034",
    name="virtio-feature-default",
    severity=Severity.ERROR,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="series",
    message="a virtio feature bit is newly offered by default without a compat entry",
    fix_hint='add { type, bit-property, "off" } to the newest hw_compat_X_Y',
    kinds=("property", "call", "feature_mask"),
)

# Conditions about the host rather than the device's configuration: on the usual host (no
# vhost, a tap peer, TCG or KVM alike) the bit is offered on every machine type.
_HOST_FACT = re.compile(r"vhost|\bpeer\b|->peer\b|backend|kvm_enabled|has_vnet_hdr|has_ufo")
# What a proper gate tests: a property, or host_features bits a property sets.
_GATE_WORDS = re.compile(r"feature|\bconf\b|->conf\b|\.conf\b|x_|compat|machine")


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report feature bits that become on-by-default without a compat entry."""
    if change.kind == "property":
        yield from _property(change, ctx)
    elif change.kind == "call":
        yield from _add_feature(change, ctx)
        yield from _clear_feature(change, ctx)
    elif change.kind == "feature_mask":
        yield from _feature_or(change, ctx)


def _prop_fields(ctx: RuleContext, path: str) -> set[str]:
    """Last components of the C members the file's properties set (`conf.x_blk_size` ->
    `x_blk_size`), on either side."""
    out: set[str] = set()
    for side in ("old", "new"):
        m = K.file_model(ctx, path, side)
        for p in m.properties if m is not None else ():
            if p.c_field:
                out.add(re.split(r"\.|->", p.c_field)[-1])
    return out


def _ungated(ctx: RuleContext, path: str, condition: str | None, conditional: bool) -> bool:
    """True when nothing about the device's configuration decides whether the bit is
    offered: no condition, or only a host-side one (vhost, the peer, KVM)."""
    if not conditional or not condition:
        return not conditional
    if _GATE_WORDS.search(condition) or not _HOST_FACT.search(condition):
        return False
    return not any(re.search(rf"\b{re.escape(f)}\b", condition) for f in _prop_fields(ctx, path))


def _property(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    new = change.new
    if not isinstance(new, Property) or not is_feature_bit(new):
        return
    if C.truthy(new.default) is not True:
        return
    name = new.name or K.norm(new.name_expr).strip('"')
    if change.op == "modified" and isinstance(change.old, Property):
        if C.truthy(change.old.default) is True:
            return
        what = f"feature bit '{name}' ({new.bit}) now defaults to on"
        old_default: str | None = "false"
    elif change.op == "added":
        if not K.array_existed(ctx, change.path, new.array):
            return
        what = f"new feature bit '{name}' ({new.bit}) defaults to on"
        old_default = "false"
    else:
        return
    yield from missing_entry_hits(ctx, change, new, old_default, what)


def _gate(
    ctx: RuleContext, path: str, n: CallSite, bit: str
) -> tuple[str | None, tuple[DraftEdit, ...]]:
    stem = re.sub(r"^VIRTIO_(?:\w+?_)?F_", "", bit).lower()
    statement = D.call(n.call, list(n.args), ";", "    ")
    text, edits = D.property_gate_call(ctx, path, n.line, n.function, statement, stem)
    return text, edits


def _bit(c: CallSite) -> str:
    return K.norm(c.args[1]) if len(c.args) > 1 else "?"


def _add_feature(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    n = change.new
    if change.op not in ("added", "modified") or not isinstance(n, CallSite):
        return
    if n.call != "virtio_add_feature" or not _ungated(ctx, change.path, n.condition, n.conditional):
        return
    bit = _bit(n)
    if isinstance(change.old, CallSite) and _bit(change.old) == bit:
        return  # the same bit as before (only its place or condition changed)
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, n.function) is None:
        return
    # The same bit offered by a call the unit removes elsewhere: the call only moved.
    for ch in ctx.changes:
        o = ch.old
        if (
            ch.kind == "call"
            and ch.op in ("removed", "modified")
            and isinstance(o, CallSite)
            and o.call == n.call
            and _bit(o) == bit
            and not (isinstance(ch.new, CallSite) and _bit(ch.new) == bit)
        ):
            return
    C.compat_target(ctx)
    draft, edits = _gate(ctx, change.path, n, bit)
    when = (
        "always offers"
        if not n.conditional
        else f"offers, whenever {n.condition} (a host-side fact, not a device property),"
    )
    yield Hit(
        message=(
            f"{n.function} now {when} {bit}: old machine types change their feature "
            f"set, so migration from/to older QEMUs fails feature negotiation checks"
        ),
        line=change.line,
        side="new",
        entity=f"virtio_add_feature({bit})@{n.function or '-'}",
        confidence="medium",
        fix_draft=draft,
        fix_edits=edits,
    )


_HOST_FEATURES = re.compile(r"(?:->|\.|^)host_features$")


def _clear_feature(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """`virtio_clear_feature(&features, BIT)` newly unconditional in an existing
    `*get_features`: a bit old machine types offered is withdrawn from all of them."""
    n = change.new
    if change.op not in ("added", "modified") or not isinstance(n, CallSite):
        return
    if n.call != "virtio_clear_feature" or n.conditional:
        return
    if "get_features" not in (n.function or ""):
        return
    bit = _bit(n)
    o = change.old
    if isinstance(o, CallSite) and _bit(o) == bit and not o.conditional:
        return  # the same bit was already cleared unconditionally
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, n.function) is None:
        return
    if any(
        c.call == n.call and _bit(c) == bit and c.function == n.function and not c.conditional
        for c in old_m.calls
    ):
        return  # moved within the function
    yield Hit(
        message=(
            f"{n.function} now always withdraws {bit}: old machine types stop offering a "
            "feature their guests may have negotiated, so migration from older QEMUs fails "
            "feature checks on load"
        ),
        line=change.line,
        side="new",
        entity=f"virtio_clear_feature({bit})@{n.function}",
        confidence="medium",
    )


def _feature_or(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """`features |= 1 << VIRTIO_..._F_X;` newly in a virtio `*get_features` function."""
    n = change.new
    if change.op != "added" or not isinstance(n, FeatureMask) or n.op != "|=":
        return
    if change.path.startswith(("target/", "target-")):
        return
    # the features get_features returns, or the device's host_features set anywhere (realize)
    if "get_features" not in n.function and not _HOST_FEATURES.search(n.target):
        return
    if not _ungated(ctx, change.path, n.condition, n.condition is not None):
        return
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, n.function) is None:
        return
    if any(
        m.function == n.function and set(n.bits) <= set(m.bits) for m in old_m.feature_masks
    ):
        return  # the same bits were already set there (reworded or moved within)
    bits = ", ".join(n.bits)
    yield Hit(
        message=(
            f"{n.function} now always sets {bits} (`{n.target} |= {n.mask}`): old machine "
            "types change their feature set, so migration from/to older QEMUs fails feature "
            "negotiation checks"
        ),
        line=n.line,
        side="new",
        entity=f"features|={'|'.join(n.bits)}@{n.function}",
        confidence="medium",
    )
