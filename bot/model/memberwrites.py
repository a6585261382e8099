"""Writes of a struct member in C text, and the sentinel an enclosing `if` compares it with.

A property whose default is a sentinel (`DEV_NVECTORS_UNSPECIFIED`) means nothing by itself:
realize replaces it, `if (vpci_dev->nvectors == DEV_NVECTORS_UNSPECIFIED) { vpci_dev->nvectors
= 2; }`, and the number realize assigns is the device's real default. `member_writes` finds
those assignments (`x->m = v;`, `x.m = v;`) with the sentinel that guards them, so a rule can
compare the resolved default with what the device did before. Pure text scanning (comments
blanked); the caller maps lines to functions with FileModel.function_at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import cscan

__all__ = ["MemberWrite", "member_write_re", "member_writes"]

# how far back an `if` guarding a write may start (a few statements)
_GUARD_WINDOW = 400
_MAX_VALUE = 1000  # characters of a right-hand side read (bounds the scan for its `;`)
_MAX_WRITES = 500  # writes returned for one member (untrusted text; real files: a handful)


@dataclass(frozen=True, slots=True)
class MemberWrite:
    """`<expr>->member = value;` at a line, with the sentinel of a guarding `member == S`."""

    line: int
    value: str  # the right-hand side, whitespace-normalised
    guard: str | None = None  # S of an enclosing `if (<...>member == S)`, if any


def member_writes(text: str, member: str) -> tuple[MemberWrite, ...]:
    """Every plain assignment to `member` (through `->` or `.`) in `text`, in order."""
    if not re.fullmatch(r"\w+", member):
        return ()
    clean = cscan.strip_comments(text)
    write = re.compile(rf"(?:->|\.)\s*{member}\s*=(?!=)\s*([^;{{}}]{{1,{_MAX_VALUE}}});")
    test = re.compile(rf"\bif\s*\((?:[^()]|\([^()]*\))*?(?:->|\.)\s*{member}\s*==\s*(\w+)")
    out: list[MemberWrite] = []
    line, seen = 1, 0
    for m in write.finditer(clean):
        if len(out) >= _MAX_WRITES:
            break
        line += clean.count("\n", seen, m.start())
        seen = m.start()
        out.append(MemberWrite(line, cscan.norm(m.group(1)), _guard(clean, m.start(), test)))
    return tuple(out)


def _guard(clean: str, at: int, test: re.Pattern[str]) -> str | None:
    """The sentinel of the nearest `if (...member == S)` whose body holds position `at`."""
    lo = max(0, at - _GUARD_WINDOW)
    best: re.Match[str] | None = None
    for m in test.finditer(clean, lo, at):
        best = m
    if best is None:
        return None
    open_paren = clean.index("(", best.start())
    close = cscan.match_close(clean, open_paren)
    if close >= at:
        return None
    between = clean[close + 1 : at]
    if between.lstrip().startswith("{"):
        depth = between.count("{") - between.count("}")
        return best.group(1) if depth > 0 else None
    return best.group(1) if ";" not in between else None


def member_write_re(member: str, increments: bool = False) -> re.Pattern[str]:
    """Any write of `member` through `->`/`.`: `x->m = v`, `x->m[i] |= v`, `x.m <<= n`, and
    with `increments` also `x->m++`/`x->m--` (`member` must be an identifier)."""
    m_ = re.escape(member)
    ops = r"(?:[|&^+\-*/%]|<<|>>)?=(?!=)"
    if increments:
        ops = rf"(?:{ops}|\+\+|--)"
    return re.compile(rf"(?:->|\.)\s*{m_}\s*(?:\[[^\]]{{0,64}}\]\s*){{0,4}}{ops}")
