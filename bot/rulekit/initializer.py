"""Read a C initializer list as elements and designated members (CPU model tables).

Used on InitializerArray.text (e.g. builtin_x86_defs); tolerant of odd input, never raises.
The C text work (comments, preprocessor lines, brackets, top-level commas) is
bot.model.cscan's; this module only knows the shape of `{ .a = x, .b = { ... } }` lists.
"""

from __future__ import annotations

import re

from bot.model import cscan

_MEMBER = re.compile(r"^\s*(\.[\w.]+(?:\[[^\]]*\])*)\s*=\s*(.*)$", re.S)


def _clean(text: str) -> str:
    """Comments and preprocessor lines blanked out, whitespace collapsed."""
    return cscan.norm(cscan.strip_preproc_lines(cscan.strip_comments(text))[0])


def _parts(text: str) -> list[str]:
    """Top-level comma-separated pieces, stripped, empties dropped."""
    return [p.strip() for _, p in cscan.split_top(text) if p.strip()]


def _unbrace(text: str) -> str | None:
    """The inside of `{ ... }` when the text is exactly one braced group."""
    t = text.strip()
    if not t.startswith("{") or cscan.match_close(t, 0) != len(t) - 1:
        return None
    return t[1:-1].strip()


def elements(array_text: str) -> list[str]:
    """The `{ ... }` elements of an array initializer (outer braces optional)."""
    t = _clean(array_text)
    if "=" in t.split("{", 1)[0]:
        t = t.split("=", 1)[1].strip().rstrip(";").strip()
    inner = _unbrace(t)
    if inner is not None and inner.lstrip().startswith("{"):
        t = inner
    out: list[str] = []
    for part in _parts(t):
        body = _unbrace(part)
        if body is not None:
            out.append(body)
    return out


def members(element: str) -> dict[str, str]:
    """`.key = value` pairs of one element; repeated keys keep the last value."""
    out: dict[str, str] = {}
    for part in _parts(element):
        m = _MEMBER.match(part)
        if m:
            out[re.sub(r"\s+", "", m.group(1))] = cscan.norm(m.group(2))
    return out


def flags(value: str) -> frozenset[str]:
    """Tokens of a `A | B | C` feature expression (a `|` inside brackets does not split)."""
    # cscan splits at top-level commas; a feature expression has none at top level, so its
    # top-level `|` are turned into commas (same length: offsets stay valid in `value`).
    pieces = cscan.split_top(value.replace("|", ","))
    return frozenset(t for off, p in pieces if (t := value[off : off + len(p)].strip()))


def versions(value: str) -> list[dict[str, str]]:
    """Elements of `.versions = (T[]) { { .version = 1 }, ..., { } }` (empty ones dropped)."""
    v = value
    m = re.match(r"^\([^)]*\)\s*", v)
    if m:
        v = v[m.end() :]
    inner = _unbrace(v)
    if inner is None:
        return []
    out: list[dict[str, str]] = []
    for part in _parts(inner):
        body = _unbrace(part)
        if body:
            out.append(members(body))
    return out
