"""The conditions a statement of a C function body runs under, read from the text.

`enclosing_conditions(src, body_start, pos)` walks the body from its opening brace to `pos`
and returns the headers of the blocks still open there (`if (x)`, `else of if (x)`,
`switch (flags)`, `for (...)`), innermost last, plus the condition of a braceless
`if (x) stmt;` the position sits in. Linear in the text it walks; strings and character
literals are skipped, so a brace inside them does not count. Comments must already be
blanked (bot.model.cscan.strip_comments keeps offsets). `conditions_at` answers many
positions of one body in a single walk (the stream extractor records them per operation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_MAX_WALK = 200_000  # characters of one function walked (untrusted input)
_MAX_DEPTH = 64
_MAX_HEADER = 300  # characters of a block header kept
_BRACELESS_IF = re.compile(r"^\s*(?:else\s+)?if\s*\((.*)\)\s*$", re.S)
_BRACELESS_ELSE = re.compile(r"^\s*else\b(?!\s*if\b)")


def _norm(text: str) -> str:
    return " ".join(text.split())[:_MAX_HEADER]


def enclosing_conditions(src: str, body_start: int, pos: int) -> tuple[str, ...]:
    """Headers of the blocks open at `pos` (the function body's own block excluded), and a
    braceless `if` around the statement at `pos`; () when `pos` is outside the walk bound."""
    return conditions_at(src, body_start, (pos,))[0]


def conditions_at(src: str, body_start: int, positions: Sequence[int]) -> list[tuple[str, ...]]:
    """`enclosing_conditions` of several positions of one body, in one walk of the text
    (positions in any order; the result follows their order)."""
    out: list[tuple[str, ...]] = [() for _ in positions]
    if not 0 <= body_start < len(src):
        return out
    stack: list[str] = []
    last_closed = ""
    boundary = body_start + 1  # start of the current statement
    i = body_start + 1
    for k in sorted(range(len(positions)), key=lambda k: positions[k]):
        pos = positions[k]
        if not body_start < pos <= len(src) or pos - body_start > _MAX_WALK:
            continue
        while i < pos:
            c = src[i]
            if c in "\"'":
                j = i + 1
                while j < len(src) and src[j] != c and src[j] != "\n":
                    j += 2 if src[j] == "\\" else 1
                i = j + 1
                continue
            if c == "{":
                header = _norm(src[boundary:i])
                if header.startswith("else") and last_closed:
                    header = f"else of {last_closed}" + header[4:]
                if len(stack) < _MAX_DEPTH:
                    stack.append(header)
                boundary = i + 1
            elif c == "}":
                if stack:
                    last_closed = stack.pop()
                boundary = i + 1
            elif c == ";":
                boundary = i + 1
                last_closed = ""
            i += 1
        found = [h for h in stack if h]
        seg = src[boundary:pos] if boundary < pos else ""
        m = _BRACELESS_IF.match(seg)
        if m is not None:
            found.append(_norm(f"if ({m.group(1)})"))
        elif last_closed and _BRACELESS_ELSE.match(seg):
            found.append(f"else of {last_closed}")
        out[k] = tuple(found)
    return out
