"""The fields of one `GlobalProperty` initializer, positional or designated.

`{ "e1000", "autonegotiation", "off" }` and `{ .driver = "e1000", .property = ...,
.value = "off" }` say the same; older trees add `.optional = true` (and, positionally, the
`used`/`optional` flags). Shared by the compat-array extractor (bot.model.extract.properties)
and the machine-compat resolver (bot.rulekit.machinecompat), which reads entries of compat
lists written inside macros and function bodies.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import cscan

__all__ = ["GlobalPropertyText", "global_property"]

_POSITIONAL = ("driver", "property", "value", "used", "optional")


@dataclass(frozen=True, slots=True)
class GlobalPropertyText:
    """The driver, property and value expressions as written (whitespace-normalised)."""

    driver: str
    property: str
    value: str
    optional: bool


def global_property(inner: str) -> GlobalPropertyText:
    """The fields of the inside of one `{ ... }` GlobalProperty initializer."""
    slots = {"driver": "", "property": "", "value": ""}
    optional = False
    pos = 0
    for _, part in cscan.split_top(inner):
        if not part.strip():
            continue
        dm = cscan.designated_members(part)
        if dm:
            k, v = dm[0][1], cscan.norm(dm[0][2])
        else:
            k = _POSITIONAL[pos] if pos < len(_POSITIONAL) else ""
            v = cscan.norm(part)
            pos += 1
        if k in slots:
            slots[k] = v
        elif k == "optional":
            optional = v not in ("false", "0")
    return GlobalPropertyText(slots["driver"], slots["property"], slots["value"], optional)
