"""MIG033 pci-config-change: PCI config space of an existing device changes.

*What it flags*

In a function that already existed, a call that shapes PCI config space is added, removed or
gets different arguments, outside any `if` (an `if` on a property or compat flag counts as a
gate): `pci_add_capability`, `msix_init`/`msix_init_exclusive_bar` (vectors, BAR, offsets),
`msi_init`, `pcie_cap_init`/`pcie_endpoint_cap_init` (capability version), `pcie_aer_init`,
`pcie_ari_init`, `pcie_ats_init`, `pcie_acs_init`, `pcie_sriov_pf_init`, `pci_pm_init`,
`pci_register_bar` (BAR type/size expression), `pci_set_byte/word/long/quad` and
`pci_config_set_*` (ids, class, revision, interrupt pin). The device is one device however it
is written (`&s->dev`, `PCI_DEVICE(s)`, `s->parent_obj.config`, the realize parameter), so a
renamed PCIDevice member changes nothing; calls are paired by their equal arguments (BAR
index, config offset), not by the first call of the same name. A call under an `if` that
tests only the bus or slot (`if (pci_bus_is_express(pci_get_bus(d)))`) counts as ungated:
every machine type with that kind of bus runs it, old ones too. Also an unconditional call that
becomes conditional on the bus (`if (pci_bus_is_express(dev->bus))`): machine types whose bus
is the other kind (conventional PCI on pc-i440fx) lose or gain the capability. A removed
store of 0 into a config byte that nothing else in the file writes and the PCI core does not
set is no change: config space is zero-allocated.

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

- hw/pci/pci.c `get_pci_config_device()` ("Bad config data");
  docs/devel/migration/compatibility.rst, "A device with different features on both sides"
- QEMU commits 9ea02e8f1, bad9c5a516, 010746ae1d, 5ed3dabe57
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.callargs import PCI_CONFIG_POINTER_FIRST, PCI_DEVICE_FIRST, call_args
from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model import cscan
from bot.model.entities import CallSite
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D

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

PCI_CONFIG_CALLS = PCI_DEVICE_FIRST | PCI_CONFIG_POINTER_FIRST


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report ungated config-space calls added/changed/removed in existing functions."""
    if change.kind != "call":
        return
    o = change.old if isinstance(change.old, CallSite) else None
    n = change.new if isinstance(change.new, CallSite) else None
    ent = n if n is not None else o
    if ent is None or ent.call not in PCI_CONFIG_CALLS:
        return
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, ent.function) is None:
        return  # new file or new function: a new device, nothing to stay compatible with
    if o is not None and n is not None:
        if _args(o) == _args(n):
            yield from _now_bus_dependent(change, o, n)
            return  # only its place or condition changed
        if n.call.startswith("pci_set_") and _args(o)[:1] != _args(n)[:1]:
            # a write to another register: one write added, one removed
            yield from _added(ctx, change, n, None)
            yield from _removed(ctx, change, o)
            return
        yield from _added(ctx, change, n, o)
    elif n is not None:
        yield from _added(ctx, change, n, None)
    elif o is not None:
        yield from _removed(ctx, change, o)


# A condition about the bus or slot the device sits on, not about a property: it differs
# between machine types (pc-i440fx has no PCIe bus), not between QEMU versions of one.
_BUS_FACT = re.compile(
    r"\b(?:pci_bus_is_express|pci_is_express|pci_bus_is_root|pcie_\w*slot\w*)\s*\("
)
_PROPERTY_WORDS = re.compile(r"->\s*(?:x_|flags|compat|disable|migrat)|\bcompat\b|property")
# One bus/slot test with its arguments (one level of nested parentheses).
_BUS_TEST = re.compile(
    r"\b(?:pci_bus_is_express|pci_is_express|pci_bus_is_root|pcie_\w*slot\w*)\s*"
    r"\([^()]{0,200}(?:\([^()]{0,200}\)[^()]{0,200}){0,4}\)"
)
_MAX_CONDITION = 400


def bus_only(condition: str | None) -> bool:
    """Whether a condition tests nothing but the bus or slot the device sits on
    (`pci_is_express(d) && pci_bus_is_express(pci_get_bus(d))`): it holds on every machine
    type of the matching kind, old ones included, so it gates nothing between versions."""
    if not condition or len(condition) > _MAX_CONDITION or _PROPERTY_WORDS.search(condition):
        return False
    rest, n = _BUS_TEST.subn("", condition)
    return n > 0 and re.fullmatch(r"[\s()!&|]*", rest) is not None


def _now_bus_dependent(change: EntityChange, o: CallSite, n: CallSite) -> Iterator[Hit]:
    """An unconditional config call now made only on one kind of bus."""
    if o.conditional or not n.conditional or not n.condition:
        return
    if not _BUS_FACT.search(n.condition) or _PROPERTY_WORDS.search(n.condition):
        return
    yield Hit(
        message=(
            f"{n.call}({', '.join(n.args)}) in {n.function} now runs only if {n.condition}: "
            "machine types where the device sits on the other kind of bus get a different "
            'config space than older QEMUs, and loads fail with "Bad config data"'
        ),
        line=n.line,
        side="new",
        entity=f"{n.call}@{n.function or '-'}",
    )


def _added(
    ctx: RuleContext, change: EntityChange, n: CallSite, was: CallSite | None
) -> Iterator[Hit]:
    """A call added to (or changed in) an existing function."""
    if (K.is_conditional(n) and not bus_only(n.condition)) or _moved(ctx, n, "removed"):
        return  # gated, or the same call moved here from another function (a refactor)
    if was is not None and K.is_conditional(was) and bus_only(was.condition) != bus_only(
        n.condition
    ):
        return  # gated before and not now, or the reverse: judged by _now_bus_dependent
    if was is not None and not K.is_conditional(was):
        what = f"{n.call}() arguments change ({', '.join(was.args)} -> {', '.join(n.args)})"
    else:
        what = f"{n.call}({', '.join(n.args)}) is added"
    if K.is_conditional(n):
        what += (
            f" under `if ({n.condition})`, which only tests the bus (true on every machine "
            "type of that bus kind, old ones too),"
        )
    draft, edits = _gate(ctx, change.path, n, was or _replaced(ctx, change, n))
    yield Hit(
        message=(
            f"{what} in {n.function}: config space bytes differ for the same machine type "
            f'and loads from older QEMUs fail with "Bad config data"'
        ),
        line=n.line,
        side="new",
        entity=f"{n.call}@{n.function or '-'}",
        fix_draft=draft,
        fix_edits=edits,
    )


def _stem(call: str) -> str:
    """The part of a call's name a gate property is named after (msix_init -> msix)."""
    if call.startswith("msix"):
        return "msix"
    stem = re.sub(r"^(pcie?_|msix?_)?", "", call)
    return re.sub(r"_(init|add|set|cap)\w*$", "", stem) or call


def _replaced(ctx: RuleContext, change: EntityChange, n: CallSite) -> CallSite | None:
    """The unconditional call of the same kind (same gate stem) that the unit removes from
    the same function: what the added call replaces (msix_init_exclusive_bar -> msix_init)."""
    for c in ctx.changes:
        o = c.old
        if (c.kind == "call" and c.new is None and c.path == change.path
                and isinstance(o, CallSite) and o.function == n.function
                and not K.is_conditional(o) and _stem(o.call) == _stem(n.call)):  # fmt: skip
            return o
    return None


def _gate(
    ctx: RuleContext, path: str, n: CallSite, was: CallSite | None
) -> tuple[str | None, tuple[DraftEdit, ...]]:
    statement = D.call(n.call, list(n.args), ";", "    ")
    old = (was.call, was.args) if was is not None else None
    text, edits = D.property_gate_call(ctx, path, n.line, n.function, statement,
                                       _stem(n.call), old)  # fmt: skip
    return text, edits


def _removed(ctx: RuleContext, change: EntityChange, o: CallSite) -> Iterator[Hit]:
    """A call removed from a function that still exists."""
    if (K.is_conditional(o) and not bus_only(o.condition)) or _moved(ctx, o, "added"):
        return
    new_m = K.file_model(ctx, change.path, "new")
    if K.func_span(new_m, o.function) is None:
        return  # whole function gone: a bigger change other rules see
    if _zero_store_to_fresh_byte(ctx, change, o) or _now_class_id(ctx, change, o):
        return
    yield Hit(
        message=(
            f"{o.call}({', '.join(o.args)}) removed from {o.function}: config space "
            f'bytes differ for the same machine type ("Bad config data")'
        ),
        line=o.line,
        side="old",
        entity=f"{o.call}@{o.function or '-'}",
    )


# Config registers the PCI core writes itself before or after the device's realize: a store
# of 0 to one of them may clear what the core set.
_CORE_WRITTEN = (
    "PCI_VENDOR_ID",
    "PCI_DEVICE_ID",
    "PCI_REVISION_ID",
    "PCI_CLASS",
    "PCI_HEADER_TYPE",
    "PCI_SUBSYSTEM",
    "PCI_STATUS",
    "PCI_COMMAND",
    "PCI_CAPABILITY_LIST",
    "PCI_INTERRUPT_PIN",
    "PCI_BASE_ADDRESS",
    "PCI_ROM_ADDRESS",
)
_ZERO = frozenset({"0", "0x0", "0x00", "0x0000", "0x00000000", "0u", "0U", "0x0u", "0x0U"})


def _zero_store_to_fresh_byte(ctx: RuleContext, change: EntityChange, o: CallSite) -> bool:
    """A removed store of 0 into config space that nothing else in the file writes: config
    space is zero-allocated (pci_config_alloc), so the bytes stay 0 without it."""
    if o.call not in PCI_CONFIG_POINTER_FIRST or len(o.args) < 2:
        return False
    if K.norm(o.args[-1]) not in _ZERO:
        return False
    ptr = call_args(o)[0]
    if ptr == "<config>+0" or not ptr.startswith("<config>+"):
        return False
    if any(r in ptr for r in _CORE_WRITTEN):
        return False
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    others = (
        c
        for c in (old_m.calls if old_m is not None else ())
        if c.call in PCI_CONFIG_POINTER_FIRST and c != o
    )
    return not any(call_args(c)[:1] == (ptr,) for c in others)


# pci_config_set_* calls whose register the PCI core fills itself from the id the device's
# class (PCIDeviceClass `k->vendor_id`, the older PCIDeviceInfo `.vendor_id`) declares
_CLASS_IDS = {
    "pci_config_set_vendor_id": "vendor_id",
    "pci_config_set_device_id": "device_id",
    "pci_config_set_revision": "revision",
    "pci_config_set_class": "class_id",
}


def _now_class_id(ctx: RuleContext, change: EntityChange, o: CallSite) -> bool:
    """A removed `pci_config_set_vendor_id(conf, V)` (device id, revision, class) where the
    file now declares `vendor_id = V` for the device's class: the PCI core writes the same
    bytes when it registers the device (7cba16a748b3, a PCIDeviceInfo conversion). When V is
    a parameter the unit drops from a shared init helper, every value its old callers passed
    must now be declared (a type split per board, each class with its board's id)."""
    field = _CLASS_IDS.get(o.call)
    if field is None or len(o.args) < 2:
        return False
    text = K.source_text(ctx, change.path, "new")
    if text is None:
        return False
    values = _param_values(ctx, change, o, K.norm(o.args[-1])) or (K.norm(o.args[-1]),)
    return all(_declares(text, field, v) for v in values)


def _declares(text: str, field: str, value: str) -> bool:
    """Whether `text` declares `.field = value` / `->field = value` for a device class."""
    v = re.escape(value).replace(r"\ ", r"\s*")
    declared = re.compile(rf"(?:\.|->)\s*{field}\s*=\s*(?:\(\s*)?{v}\s*\)?\s*[,;}}]")
    return declared.search(text) is not None


_PARAM_NAME = re.compile(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$")


def _param_values(
    ctx: RuleContext, change: EntityChange, o: CallSite, arg: str
) -> tuple[str, ...] | None:
    """When the removed call's value is a parameter of its function that the unit drops from
    the signature (a shared init helper that took the device id from each board), the values
    every old caller passed for it, read from the unit's changed files; None when the value
    is not such a parameter or a caller cannot be read. All callers must change with the
    signature, so the changed files hold every one of them."""
    func = o.function
    if func is None or not re.fullmatch(r"[A-Za-z_]\w*", arg):
        return None
    old_params = _params(K.source_text(ctx, change.old_path or change.path, "old"), func)
    new_params = _params(K.source_text(ctx, change.path, "new"), func)
    if old_params is None or arg not in old_params or (new_params and arg in new_params):
        return None
    index = old_params.index(arg)
    values: set[str] = set()
    for fc in K.file_changes(ctx):
        if fc.old is None:
            continue
        old = cscan.strip_comments(fc.old.decode("utf-8", "replace"))
        for m in re.finditer(rf"\b{re.escape(func)}\s*\(", old):
            close = cscan.match_close(old, m.end() - 1)
            after = old[close + 1 : close + 40].lstrip()
            if after.startswith("{") or (after.startswith(";") and _is_prototype(old, m.start())):
                continue  # the definition or a prototype
            args = cscan.split_args(old[m.end() : close])
            if len(args) != len(old_params):
                return None
            values.add(args[index])
    return tuple(sorted(values)) or None


def _is_prototype(text: str, start: int) -> bool:
    """Whether the call-shaped text at `start` follows a return type (`void f(...);`)."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start].strip()
    if not head or re.match(r"(?:return|else|case)\b", head):
        return False
    return re.fullmatch(r"(?:extern\s+|static\s+)?[A-Za-z_][\w\s*]*", head) is not None


def _params(text: str | None, func: str) -> tuple[str, ...] | None:
    """Parameter names of the definition of `func` in `text` (None when not defined)."""
    if text is None:
        return None
    for m in re.finditer(rf"\b{re.escape(func)}\s*\(", text):
        close = cscan.match_close(text, m.end() - 1)
        if not text[close + 1 : close + 40].lstrip().startswith("{"):
            continue
        names: list[str] = []
        for _, piece in cscan.split_top(text[m.end() : close]):
            pm = _PARAM_NAME.search(piece.strip())
            names.append(pm.group(1) if pm else "")
        return tuple(names)
    return None


def _args(c: CallSite) -> tuple[str, ...]:
    return call_args(c)


def _moved(ctx: RuleContext, c: CallSite, other: str) -> bool:
    """An identical call (name and arguments) that the unit removes ("removed") or adds
    ("added") elsewhere: the call moved between functions."""
    args = _args(c)
    for ch in ctx.changes:
        if ch.kind != "call":
            continue
        e = ch.old if other == "removed" else ch.new
        if not isinstance(e, CallSite) or e.call != c.call or _args(e) != args:
            continue
        if ch.op == other or (
            ch.op == "modified"
            and isinstance(ch.old, CallSite)
            and isinstance(ch.new, CallSite)
            and _args(ch.old) != _args(ch.new)
        ):
            return True
    return False
