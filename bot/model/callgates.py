"""The `if` conditions that guard calls of one function, from C text. Pure.

The model keeps calls of the functions rules look at; a helper of the board or device
(`css_register_vmstate()`) is only a call edge. When a rule needs to know whether such a
helper was called under a condition — a gate moved from the caller into the helper is the
same gate — `call_gates` reads it from the text: for every call of `fn` outside its own
definition, the condition of the innermost `if` around it (braced block or single
statement), or None when the call is not under an `if`. Comments are blanked first.
"""

from __future__ import annotations

import re

from bot.model import cscan

__all__ = ["call_gates"]

_IF_TAIL = re.compile(r"\bif\s*$")
# how far back a guard is looked for, and how many calls are read: a series is untrusted
# input, and a huge generated function must not make the scans quadratic
_WINDOW = 8000
_MAX_CALLS = 200


def _if_condition(clean: str, close: int) -> str | None:
    """The condition of `if (...)` whose `)` is at `close`, else None."""
    depth = 0
    for i in range(close, max(-1, close - _WINDOW), -1):
        ch = clean[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                if _IF_TAIL.search(clean[max(0, i - 12) : i]):
                    return cscan.norm(clean[i + 1 : close])
                return None
    return None


def _guard(clean: str, pos: int) -> str | None:
    """The condition of the innermost `if` whose body holds position `pos`."""
    # a single statement right after `if (...)`: the text before it ends in `)`
    j = pos - 1
    while j >= 0 and clean[j].isspace():
        j -= 1
    if j >= 0 and clean[j] == ")":
        cond = _if_condition(clean, j)
        if cond is not None:
            return cond
    depth = 0
    for i in range(pos - 1, max(-1, pos - 1 - _WINDOW), -1):
        ch = clean[i]
        if ch == "}":
            depth += 1
        elif ch == "{":
            if depth == 0:
                k = i - 1
                while k >= 0 and clean[k].isspace():
                    k -= 1
                if k >= 0 and clean[k] == ")":
                    return _if_condition(clean, k)
                if re.search(r"\belse\s*$", clean[max(0, i - 12) : i]):
                    return "else"
                return None  # a function body or a bare block
            depth -= 1
    return None


def call_gates(text: str, fn: str) -> tuple[str | None, ...]:
    """The guarding condition of each call of `fn` in `text` (None: unconditional)."""
    if not re.fullmatch(r"[A-Za-z_]\w*", fn):
        return ()
    clean = cscan.strip_comments(text)
    out: list[str | None] = []
    for m in re.finditer(rf"\b{fn}\s*\(", clean):
        close = cscan.match_close(clean, m.end() - 1)
        after = clean[close + 1 : close + 40].lstrip() if close > 0 else ""
        if after.startswith("{"):
            continue  # the definition
        before = clean[max(0, m.start() - 80) : m.start()]
        if re.search(r"\w[\w\s*]*\s$", before) and not re.search(
            r"(?:return|=|\(|,|;|\{|\}|else)\s*$", before
        ):
            continue  # a declaration (`void fn(void);`)
        out.append(_guard(clean, m.start()))
        if len(out) >= _MAX_CALLS:
            break
    return tuple(out)
