"""Removals by policy: devices a series documents as removed after their deprecation.

QEMU removes a device only after it was listed in docs/about/deprecated.rst for two
releases; the removal moves its entry to docs/about/removed-features.rst (docs/system/ before
QEMU 6.1). Such a removal breaks migration of VMs that still have the device by design, so
its findings are notes saying it is policy, not errors. The names are the ``literal`` parts
of the section titles the series adds to removed-features.rst (``-device foo`` -> foo).
"""

from __future__ import annotations

import re

from bot.series import Series

__all__ = ["REMOVED_FEATURES_DOCS", "documented_removals"]

REMOVED_FEATURES_DOCS = ("docs/about/removed-features.rst", "docs/system/removed-features.rst")

_LITERAL = re.compile(r"``([^`]+)``")
_UNDERLINE = re.compile(r"^([=\-~'^\"`#*+.:_])\1{2,}\s*$")
_OPTION = re.compile(r"^-(?:device|machine|M|cpu)\s+")


def _titles(text: str) -> set[str]:
    """The section titles of an rST text (a line followed by an underline of its length)."""
    lines = text.splitlines()
    return {
        lines[i].strip()
        for i in range(len(lines) - 1)
        if lines[i].strip() and _UNDERLINE.match(lines[i + 1])
    }


def _names(title: str) -> set[str]:
    out: set[str] = set()
    for lit in _LITERAL.findall(title):
        name = _OPTION.sub("", lit.strip()).split(",")[0].strip()
        if name and " " not in name and not name.startswith("-"):
            out.add(name)
    return out


def documented_removals(series: Series) -> frozenset[str]:
    """Device (and machine) names whose removed-features.rst section the series adds."""
    out: set[str] = set()
    for fc in series.folded:
        if fc.new_path not in REMOVED_FEATURES_DOCS or fc.new is None:
            continue
        old = _titles(fc.old.decode("utf-8", "replace")) if fc.old is not None else set()
        for title in _titles(fc.new.decode("utf-8", "replace")) - old:
            out |= _names(title)
    return frozenset(out)
