"""MIG076 acpi-device-id-change: an ACPI device's identification object gets another value.

*What it flags*

In an AML builder function that already existed, `aml_name_decl("_UID", aml_int(1))` (also
`_HID`, `_CID`, `_ADR`) of one AML device (the `aml_device("NAME")` it follows) now declares
another constant (`aml_int(0)`), under the same condition as before. The value must be a
constant on both sides (literals, `aml_*()` constructors, upper-case macros): a value that now
reads a machine-class or device member (`aml_int(pcmc->pci_root_uid)`) is how old machine
types keep the old one, and is not reported. A severity of warning for builders of boards with
versioned machine types (hw/i386, hw/acpi, arm virt, ...), note elsewhere.

*Why it breaks migration*

The guest reads these objects to identify its devices: OS device paths, boot entries in
firmware NVRAM and driver binding are built from `_HID`/`_CID`/`_UID`/`_ADR`. The tables are
rebuilt by the destination QEMU, so a guest migrated to (or rebooted on) the new QEMU with the
same machine type sees its devices renamed underneath it; boot options and device paths stored
under the old identity stop matching. Versioned machine types promise an unchanged guest ABI.

*Example*

af1b80ae56c9 changed the `_UID` of the primary PCI root bridge (PCI0) from 1 to 0 on pc and
q35; 0a343a5add75 made old machine types keep 1 through `pcmc->pci_root_uid`, set by the
pre-5.2 machine class options.

*Instead*

Take the value from a machine-class field (`aml_int(pcmc->pci_root_uid)`) or a compat
property whose default is the new value and that the newest machine-type compat options set
to the old one.

*References*

- ACPI specification, "Device Identification Objects"; UEFI specification, "Rules with ACPI
  _HID and _UID"
- QEMU commits af1b80ae56c9, 0a343a5add75
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import CallSite
from bot.model.view import VERSIONED_PATHS, path_matches
from bot.rulekit import ctx as K

RULE = RuleSpec(
    id="MIG076",
    name="acpi-device-id-change",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="patch",
    message="an ACPI device identification object changes for existing machine types",
    fix_hint="take the value from a machine-class field that older machine types keep",
    kinds=("call",),
)

_ID_OBJECTS = frozenset({'"_HID"', '"_CID"', '"_UID"', '"_ADR"'})
_IDENT = re.compile(r"(?<!\w)[A-Za-z_]\w*")
_CONST_IDENT = re.compile(r"aml_\w+|[A-Z_][A-Z0-9_]*")
_DEVICE = re.compile(r'\baml_device\s*\(\s*"([^"]{0,64})"')
_MAX_VALUE = 200
_MAX_LOOKBACK = 400  # lines searched back for the aml_device (series text is untrusted)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report a constant identification value of one AML device changed in place."""
    o, n = change.old, change.new
    if change.op != "modified" or not isinstance(o, CallSite) or not isinstance(n, CallSite):
        return
    if n.call != "aml_name_decl" or o.call != n.call or len(o.args) != 2 or len(n.args) != 2:
        return
    obj = K.norm(n.args[0])
    if obj not in _ID_OBJECTS or K.norm(o.args[0]) != obj:
        return
    was, now = K.norm(o.args[1]), K.norm(n.args[1])
    if was == now or not (_constant(was) and _constant(now)):
        return
    if K.norm(o.condition) != K.norm(n.condition) or o.function != n.function:
        return  # now under another condition: a gate (or a move) decides
    old_m = K.file_model(ctx, change.old_path or change.path, "old")
    if old_m is None or K.func_span(old_m, o.function) is None:
        return  # a new builder: nothing guests saw before
    dev_old = _device_at(K.source_text(ctx, change.old_path or change.path, "old"), o.line)
    dev_new = _device_at(K.source_text(ctx, change.path, "new"), n.line)
    if dev_old != dev_new:
        return  # another AML device: one removed and another added, not a change
    versioned = path_matches(change.path, VERSIONED_PATHS)
    where = f"device {dev_new}" if dev_new else "the device"
    yield Hit(
        message=(
            f"{obj.strip(chr(34))} of ACPI {where} in {n.function} changes from {was} to "
            f"{now} on every machine type: guests of older machine types see their device "
            "identified differently after migration (device paths, boot entries)"
        ),
        line=n.line,
        side="new",
        entity=f"aml_name_decl({obj})@{n.function or '-'}:{dev_new or '-'}",
        severity=None if versioned else Severity.NOTE,
    )


def _constant(value: str) -> bool:
    """Whether an AML value is built from constants only (no variable, member or field)."""
    if not value or len(value) > _MAX_VALUE or "->" in value:
        return False
    if re.search(r"[\w)\]]\s*\.\s*[A-Za-z_]", re.sub(r'"[^"]*"', '""', value)):
        return False  # a struct member
    text = re.sub(r'"[^"]*"', '""', value)
    return all(_CONST_IDENT.fullmatch(m.group(0)) for m in _IDENT.finditer(text))


def _device_at(text: str | None, line: int) -> str | None:
    """Name of the last `aml_device("NAME")` before `line` in the same function (None when
    the text is unknown, or no device precedes it in the function within `_MAX_LOOKBACK`
    lines)."""
    if text is None:
        return None
    lines = _lines(text)
    end = min(max(0, line - 1), len(lines))
    for raw in reversed(lines[max(0, end - _MAX_LOOKBACK) : end]):
        if raw.startswith("}"):
            return None  # the end of the previous function
        found = _DEVICE.findall(raw)
        if found:
            return str(found[-1])
    return None


@lru_cache(maxsize=4)
def _lines(text: str) -> tuple[str, ...]:
    """The lines of a source text, split once per file rather than once per call site."""
    return tuple(text.splitlines())
