"""What each versioned machine type's option hooks set, after inheritance.

A versioned machine's class-level option hook (`pc_q35_2_3_machine_options`,
`virt_machine_2_7_options`, `ccw_machine_2_9_class_options`) usually calls the hook of the next
version first and then overrides a few members: `m->no_floppy = 0;`, `pcmc->x = false;`. What a
machine type gets is therefore the last assignment along that call chain, not what its own hook
says. `machine_settings` follows the chain through the functions of the file (in statement
order) and returns, per versioned hook, the effective value of every member (and of every
global) assigned on the way. Pure text scanning of one file (comments blanked), bounded for
untrusted input; the function spans come from the file's FileModel.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from bot.model import cscan
from bot.model.entities import FileModel

__all__ = ["HOOK_NAME", "MachineSetting", "hook_family", "machine_hooks", "machine_settings"]

_MAX_HOOK_LINES = 400  # an option hook is short; longer "hooks" are not followed
_MAX_DEPTH = 64  # the chain of versions of one board (pc has ~60)
_MAX_FUNCTIONS = 4000
_MAX_HOOK_CHARS = 32_000  # and in characters: a 400-line hook of one long line is not either
_MAX_EVENTS = 256  # assignments and calls read from one function (a real hook has < 40)
_MAX_SETTINGS = 50_000  # (hook, member) pairs returned for one file

# `pc_q35_2_3_machine_options`, `virt_machine_2_7_options`, `ccw_machine_2_9_class_options`:
# a versioned option hook: `<family>_machine_<maj>_<min>_[class_|instance_]options` (stem: up to
# the version) or the older `<family>_<maj>_<min>_machine_options`
HOOK_NAME = re.compile(
    r"^(?P<stem>(?P<fam>\w+?_machine)_(?P<maj>\d+)_(?P<min>\d+))_(?P<kind>class_|instance_)?options$"
    r"|^(?P<pstem>(?P<pfam>\w+?)_(?P<pmaj>\d+)_(?P<pmin>\d+))_machine_options$"
)
# Both are matched inside one statement (the text up to a `;`, see _statements), so that a
# hostile body without `;` cannot make the scan quadratic.
_WRITE = re.compile(r"(?:\b(\w+)\s*)?(->|\.)\s*(\w+)\s*=(?!=)\s*(.+)\Z", re.S)
_GLOBAL = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)\s*(.+)\Z", re.M | re.S)
_PIECE = re.compile(r"[^;{}]*[;{}]")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_DECL = (
    r"(?:^|[;{{(,])\s*(?:const\s+|static\s+|struct\s+|unsigned\s+)*\w+[\s*]+"
    r"{name}\s*(?:=|;|\[|,|\))"
)


@dataclass(frozen=True, slots=True)
class MachineSetting:
    """The effective value one versioned machine type's option chain gives a member."""

    hook: str  # the version's class-level option hook: "pc_q35_2_3_machine_options"
    family: str  # the hook name without its version: "pc_q35", "virt_machine"
    version: tuple[int, int]
    member: str  # "no_floppy"; for a global variable, its name
    value: str  # whitespace-normalised right-hand side; "" when the chain never sets it
    source: str  # the function whose assignment is the effective one ("" when unset)
    line: int  # that assignment's line (the hook's first line when unset)
    is_global: bool = False  # a plain `name = value;` of a non-local name
    via: str = ""  # the variable written through: "m" of `m->no_floppy`, "pcmc"

    @property
    def is_set(self) -> bool:
        """Whether some function of the chain assigns the member."""
        return bool(self.source)


def hook_family(function: str) -> tuple[str, tuple[int, int]] | None:
    """(family, version) of a class-level versioned option hook, None for other functions."""
    m = HOOK_NAME.match(function)
    if m is None:
        return None
    if m.group("fam"):
        if m.group("kind") == "instance_":
            return None  # runs only for the machine created: not inherited class state
        return m.group("fam"), (int(m.group("maj")), int(m.group("min")))
    return m.group("pfam"), (int(m.group("pmaj")), int(m.group("pmin")))


@dataclass(frozen=True, slots=True)
class _Event:
    pos: int
    call: str | None  # a function of the file that is called
    member: str | None
    value: str
    line: int
    is_global: bool
    via: str = ""


class _Chains:
    def __init__(self, text: str, model: FileModel) -> None:
        self._lines = text.splitlines()
        self._spans = {n: (s, e) for n, s, e in model.functions[:_MAX_FUNCTIONS]}
        self._events: dict[str, tuple[_Event, ...]] = {}
        self._memo: dict[str, dict[str, tuple[str, _Event]]] = {}

    def events(self, fn: str) -> tuple[_Event, ...]:
        got = self._events.get(fn)
        if got is not None:
            return got
        start, end = self._spans[fn]
        out: list[_Event] = []
        if end - start <= _MAX_HOOK_LINES:
            text = cscan.strip_comments("\n".join(self._lines[start - 1 : end]))
            brace = text.find("{")
            if 0 <= brace and len(text) <= _MAX_HOOK_CHARS:
                out = self._scan(text, brace, start)
        self._events[fn] = tuple(out)
        return self._events[fn]

    def _scan(self, text: str, brace: int, start: int) -> list[_Event]:
        head, body = text[:brace], text[brace:]
        newlines = [i for i, c in enumerate(text) if c == "\n"]
        taken: list[tuple[int, int]] = []
        out: list[_Event] = []
        declared: dict[str, bool] = {}

        def line_of(pos: int) -> int:
            return start + bisect.bisect_left(newlines, brace + pos)

        def is_local(name: str) -> bool:
            if name not in declared and len(declared) >= _MAX_EVENTS:
                return True  # past the bound: no more scans of the body, nothing taken
            if name not in declared:
                decl = re.compile(_DECL.format(name=re.escape(name)), re.M)
                declared[name] = bool(
                    decl.search(body) or re.search(rf"\b{re.escape(name)}\s*[,)]", head)
                )
            return declared[name]

        for off, stmt in _statements(body):
            if len(out) >= _MAX_EVENTS:
                break
            m = _WRITE.search(stmt)
            if m is not None:
                taken.append((off + m.start(), off + len(stmt)))
                via = f"{m.group(1)}{m.group(2)}" if m.group(1) else m.group(2)
                out.append(_Event(off + m.start(), None, m.group(3), cscan.norm(m.group(4)),
                                  line_of(off + m.start(3)), False, via))  # fmt: skip
            g = _GLOBAL.search(stmt)
            if g is None or is_local(g.group(1)):
                continue  # no assignment, or one to a local or a parameter
            taken.append((off + g.start(1), off + len(stmt)))
            out.append(_Event(off + g.start(1), None, g.group(1), cscan.norm(g.group(2)),
                              line_of(off + g.start(1)), True))  # fmt: skip
        taken.sort()  # in statement order; a statement's two intervals end together
        starts = [a for a, _ in taken]
        for m in _CALL.finditer(body):
            if len(out) >= _MAX_EVENTS:
                break
            name = m.group(1)
            if name not in self._spans:
                continue
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and m.start() < taken[i][1]:
                continue  # a call inside an assignment's value
            out.append(_Event(m.start(), name, None, "", line_of(m.start()), False))
        out.sort(key=lambda e: e.pos)
        return out

    def effective(self, fn: str, stack: tuple[str, ...] = ()) -> dict[str, tuple[str, _Event]]:
        """member -> (function, its assignment) that holds after running `fn`."""
        got = self._memo.get(fn)
        if got is not None:
            return got
        state: dict[str, tuple[str, _Event]] = {}
        if fn in stack or len(stack) > _MAX_DEPTH or fn not in self._spans:
            return state
        for ev in self.events(fn):
            if ev.call is not None:
                state.update(self.effective(ev.call, (*stack, fn)))
            elif ev.member is not None:
                state[ev.member] = (fn, ev)
        self._memo[fn] = state
        return state


def _statements(body: str) -> list[tuple[int, str]]:
    """(offset, text without its `;`) of every `;`-terminated piece of `body` between
    `;`, `{` and `}`: one linear pass."""
    return [(m.start(), m.group()[:-1]) for m in _PIECE.finditer(body) if m.group()[-1] == ";"]


def machine_settings(text: str, model: FileModel) -> tuple[MachineSetting, ...]:
    """Effective member (and global) settings of every versioned class-level option hook the
    file defines, one per (hook, member) the chain assigns; () for files without such hooks."""
    hooks = [n for n, _, _ in model.functions if hook_family(n) is not None]
    if not hooks:
        return ()
    chains = _Chains(text, model)
    out: list[MachineSetting] = []
    for name in hooks:
        fam = hook_family(name)
        assert fam is not None
        for member, (source, ev) in sorted(chains.effective(name).items()):
            if len(out) >= _MAX_SETTINGS:
                return tuple(out)
            out.append(MachineSetting(name, fam[0], fam[1], member, ev.value, source,
                                      ev.line, ev.is_global, ev.via))  # fmt: skip
    return tuple(out)


def machine_hooks(model: FileModel) -> dict[str, int]:
    """Versioned class-level option hooks the file defines -> their first line."""
    return {n: s for n, s, _ in model.functions if hook_family(n) is not None}
