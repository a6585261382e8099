"""MIG033 pci-config-change: PCI config space of an existing device changes.

*What it flags*

In a function that already existed, a call that shapes PCI config space is added, removed or
gets different arguments, outside any `if` (an `if` on a property or compat flag counts as a
gate): `pci_add_capability`, `msix_init`/`msix_init_exclusive_bar` (vectors, BAR, offsets),
`msi_init`, `pcie_cap_init`/`pcie_endpoint_cap_init` (capability version), `pcie_aer_init`,
`pcie_ari_init`, `pcie_ats_init`, `pcie_acs_init`, `pcie_sriov_pf_init`, `pci_pm_init`,
`pci_register_bar` (BAR type/size expression), `pci_set_byte/word/long/quad` and
`pci_config_set_*` (ids, class, revision, interrupt pin).

*Why it breaks migration*

PCI config space is migrated (`vmstate_info_pci_config`) and compared on load against the
destination's own layout through `cmask`/`wmask`: bytes that are read-only on the destination
must match, else "get_pci_config_device: Bad config data" and "Failed to load
PCIDevice:config". A new capability, another vector count or capability version, or a
different default register value changes those bytes for the same machine type.

*Example*

9ea02e8f1 gave virtio-rng-pci MSI-X vectors; loads from 7.1 failed with "Bad config data".
010746ae1d set a default in the AER uncorrectable error mask; 5ed3dabe57 gated it with
`x-pcie-err-unc-mask` and `hw_compat_7_2`.

*Instead*

Tie the change to a property (e.g. `if (s->x_new_cap) { pci_add_capability(...); }`) whose
default gives the new behaviour and that the newest `hw_compat_X_Y` turns off for older
machine types.

*References*

- migration-domain.md §2.4, §6.5.5, §9 pattern 23
- QEMU commits 9ea02e8f1, bad9c5a516, 010746ae1d, 5ed3dabe57
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite
from bot.rulekit import ctx as K
from bot.rulekit.compat import compat_array

RULE = RuleSpec(
    id="MIG033",
    name="pci-config-change",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="patch",
    message="PCI config space of an existing device changes without a compat gate",
    fix_hint="gate the change on a property that the newest hw_compat_X_Y turns off",
    kinds=("call",),
)

PCI_CONFIG_CALLS = frozenset(
    {
        "pci_add_capability",
        "msix_init",
        "msix_init_exclusive_bar",
        "msi_init",
        "pcie_cap_init",
        "pcie_cap_v1_init",
        "pcie_endpoint_cap_init",
        "pcie_endpoint_cap_v1_init",
        "pcie_aer_init",
        "pcie_ari_init",
        "pcie_ats_init",
        "pcie_acs_init",
        "pcie_dev_ser_num_init",
        "pcie_pasid_init",
        "pcie_pri_init",
        "pcie_sriov_pf_init",
        "pci_pm_init",
        "pci_register_bar",
        "pci_set_byte",
        "pci_set_word",
        "pci_set_long",
        "pci_set_quad",
        "pci_config_set_vendor_id",
        "pci_config_set_device_id",
        "pci_config_set_revision",
        "pci_config_set_class",
        "pci_config_set_prog_interface",
        "pci_config_set_interrupt_pin",
    }
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report ungated config-space calls added/changed/removed in existing functions."""
    if change.kind != "call":
        return
    ent = change.new if change.new is not None else change.old
    if not isinstance(ent, CallSite) or ent.call not in PCI_CONFIG_CALLS:
        return
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, ent.function) is None:
        return  # new file or new function: a new device, nothing to stay compatible with
    if _moved(ctx, change, ent):
        return  # same call, same arguments, now in another function (a refactor)
    gate = compat_array(ctx)
    if change.op == "added" and isinstance(change.new, CallSite):
        n = change.new
        if K.is_conditional(n):
            return
        pair = _pair(ctx, n, "removed")
        if pair is not None and K.is_conditional(pair):
            pair = None
        if pair is not None:
            what = f"{n.call}() arguments change ({', '.join(pair.args)} -> {', '.join(n.args)})"
        else:
            what = f"{n.call}({', '.join(n.args)}) is added"
        yield Hit(
            message=(
                f"{what} in {n.function}: config space bytes differ for the same machine type "
                f'and loads from older QEMUs fail with "Bad config data"'
            ),
            line=change.line,
            side="new",
            entity=f"{n.call}@{n.function or '-'}",
            fix_draft=(
                f'if (s->x_<new_behaviour>) {{   /* DEFINE_PROP_BOOL("x-<new-behaviour>", '
                f"..., true); off in {gate} */\n    {n.call}({', '.join(n.args)});\n}}"
            ),
        )
    elif change.op == "removed" and isinstance(change.old, CallSite):
        o = change.old
        if K.is_conditional(o) or _pair(ctx, o, "added") is not None:
            return
        new_m = K.file_model(ctx, change.path, "new")
        if K.func_span(new_m, o.function) is None:
            return  # whole function gone: a bigger change other rules see
        yield Hit(
            message=(
                f"{o.call}({', '.join(o.args)}) removed from {o.function}: config space "
                f'bytes differ for the same machine type ("Bad config data")'
            ),
            line=o.line,
            side="old",
            entity=f"{o.call}@{o.function or '-'}",
        )


def _pair(ctx: RuleContext, c: CallSite, op: str) -> CallSite | None:
    """The same call in the same function on the other side (its arguments changed)."""
    for ch in ctx.changes:
        e = ch.old if op == "removed" else ch.new
        if (
            ch.kind == "call"
            and ch.op == op
            and isinstance(e, CallSite)
            and e.call == c.call
            and e.function == c.function
            and (not c.call.startswith("pci_set_") or _first(e) == _first(c))
        ):
            return e
    return None


def _first(c: CallSite) -> str:
    return K.norm(c.args[0]) if c.args else ""


def _moved(ctx: RuleContext, change: EntityChange, c: CallSite) -> bool:
    """An identical call (name and arguments) on the other side of the unit."""
    want = "added" if change.op == "removed" else "removed"
    args = tuple(K.norm(a) for a in c.args)
    for ch in ctx.changes:
        e = ch.new if want == "added" else ch.old
        if (
            ch.kind == "call"
            and ch.op == want
            and isinstance(e, CallSite)
            and e.call == c.call
            and tuple(K.norm(a) for a in e.args) == args
        ):
            return True
    return False
