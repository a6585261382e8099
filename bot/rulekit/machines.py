"""Machine types a board file defines, and what their option functions set and call.

Read from a file's text and its FileModel (function spans, the `DEFINE_*MACHINE*(...)`
invocations the extractor records as CallSites): pure, no tree-sitter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import cscan
from bot.model.entities import FileModel
from bot.model.machinesettings import HOOK_NAME

__all__ = ["FileFunctions", "HookVersion", "MachineDef", "defined_machines", "hook_version",
           "is_versioned_hook"]

# `virt_machine_10_2_options`, `ccw_machine_2_10_instance_options`, `spapr_machine_2_3_class_
# options`; before 2017 `pc_i440fx_2_3_machine_options`.
_HOOK = re.compile(r"(?:_machine_\d+_\d+_(?:class_|instance_)?options|_\d+_\d+_machine_options)$")
# a value is read up to 1,000 characters: from every `x->m =` the scan for its `;` stops
# there, so a hostile body of assignments without `;` is not quadratic
_WRITE = re.compile(r"(?:->|\.)\s*(\w+)\s*=(?!=)\s*([^;{}]{1,1000});")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_PARAM = re.compile(r"\(\s*(?:const\s+)?\w+\s*\*\s*(\w+)\s*\)")
_VERSION = re.compile(r"\d+[._]\d+")


def is_versioned_hook(function: str) -> bool:
    """Whether `function` is the option hook of one versioned machine type."""
    return _HOOK.search(function) is not None


@dataclass(frozen=True, slots=True)
class HookVersion:
    """What an option hook's name says: `ccw_machine_2_9_class_options` -> stem
    `ccw_machine_2_9`, version (2, 9), class level (its `_instance_options` sibling is
    `stem + "_instance_options"`)."""

    stem: str
    version: tuple[int, int]
    instance: bool  # `_instance_options`: runs only for the machine type created


def hook_version(function: str) -> HookVersion | None:
    """The parts of a versioned option hook's name, or None for any other function."""
    m = HOOK_NAME.match(function)
    if m is None:
        return None
    if m.group("stem"):
        return HookVersion(m.group("stem"), (int(m.group("maj")), int(m.group("min"))),
                           m.group("kind") == "instance_")  # fmt: skip
    return HookVersion(m.group("pstem"), (int(m.group("pmaj")), int(m.group("pmin"))), False)


@dataclass(frozen=True, slots=True)
class MachineDef:
    """`DEFINE_PC_MACHINE(xenfv, "xenfv", pc_xen_hvm_init, xenfv_machine_options)`."""

    name: str  # the machine type name as written ("xenfv", "pc-i440fx-3.1")
    options: str  # its options function
    line: int
    versioned: bool


def defined_machines(model: FileModel, functions: frozenset[str]) -> list[MachineDef]:
    """Machine types of `DEFINE_*MACHINE*(...)` invocations that name their machine with a
    string literal and their options with a function of the file."""
    out: list[MachineDef] = []
    for c in model.calls:
        if c.function is not None or not c.call.startswith("DEFINE_") or "MACHINE" not in c.call:
            continue
        names = [a.strip()[1:-1] for a in c.args if re.fullmatch(r'\s*"[^"]*"\s*', a)]
        opts = [a.strip() for a in c.args if a.strip() in functions and "options" in a]
        if names and opts:
            name = names[0]
            out.append(MachineDef(name, opts[0], c.line, _VERSION.search(name) is not None))
    return out


class FileFunctions:
    """The functions of one C file: bodies, member assignments, calls between them."""

    def __init__(self, text: str, model: FileModel) -> None:
        self._lines = text.splitlines()
        self._spans = {name: (start, end) for name, start, end in model.functions}
        self._memo: dict[str, str] = {}

    def names(self) -> frozenset[str]:
        """Every function the file defines."""
        return frozenset(self._spans)

    def start(self, function: str) -> int | None:
        """First line of the function's definition."""
        span = self._spans.get(function)
        return span[0] if span else None

    def span(self, function: str) -> tuple[int, int] | None:
        """(first, last) line of the function's definition."""
        return self._spans.get(function)

    def text(self, function: str) -> str:
        """The function's definition, comments blanked (lines kept), "" when not defined."""
        if function not in self._memo:
            span = self._spans.get(function)
            raw = "\n".join(self._lines[span[0] - 1 : span[1]]) if span else ""
            self._memo[function] = cscan.strip_comments(raw)
        return self._memo[function]

    def first_param(self, function: str) -> str | None:
        """Name of the single pointer parameter (`MachineClass *m` -> `m`), if so declared."""
        head = self.text(function).split("{", 1)[0]
        m = _PARAM.search(head)
        return m.group(1) if m else None

    def writes(self, function: str) -> dict[str, str]:
        """Members the function assigns (`m->x = v;`, `pcmc->y = v;`) -> the last value."""
        body = self.text(function).split("{", 1)[-1]
        return {m.group(1): cscan.norm(m.group(2)) for m in _WRITE.finditer(body)}

    def calls(self, function: str) -> set[str]:
        """Functions of this file that the function calls."""
        body = self.text(function).split("{", 1)[-1]
        return {m.group(1) for m in _CALL.finditer(body) if m.group(1) in self._spans}

    def closure(self, function: str) -> set[str]:
        """The function and every function of the file it reaches through calls."""
        seen: set[str] = set()
        todo = [function]
        while todo:
            fn = todo.pop()
            if fn in seen or fn not in self._spans:
                continue
            seen.add(fn)
            todo.extend(self.calls(fn) - seen)
        return seen

    @staticmethod
    def members_written_in(text: str) -> set[str]:
        """Every member some statement of `text` assigns."""
        return {m.group(1) for m in _WRITE.finditer(cscan.strip_comments(text))}
