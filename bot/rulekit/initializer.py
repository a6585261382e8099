"""Split the text of a C initializer list into elements and designated members. Pure text.

Used on InitializerArray.text (e.g. builtin_x86_defs); tolerant of odd input, never raises.
"""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _strip(text: str) -> str:
    """Drop comments and preprocessor lines, collapse whitespace."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return _WS.sub(" ", text).strip()


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at `sep` outside brackets and string literals; parts are stripped, empties dropped."""
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < len(text) and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i : j + 1])
            i = j + 1
            continue
        if ch in _PAIRS:
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def _unbrace(text: str) -> str | None:
    """The inside of `{ ... }` when the text is exactly one braced group."""
    t = text.strip()
    if not t.startswith("{") or not t.endswith("}"):
        return None
    depth = 0
    for i, ch in enumerate(t):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i != len(t) - 1:
                return None
    return t[1:-1].strip()


def elements(array_text: str) -> list[str]:
    """The `{ ... }` elements of an array initializer (outer braces optional)."""
    t = _strip(array_text)
    if "=" in t.split("{", 1)[0]:
        t = t.split("=", 1)[1].strip().rstrip(";").strip()
    inner = _unbrace(t)
    if inner is not None and inner.lstrip().startswith("{"):
        t = inner
    out: list[str] = []
    for part in split_top(t):
        body = _unbrace(part)
        if body is not None:
            out.append(body)
    return out


def members(element: str) -> dict[str, str]:
    """`.key = value` pairs of one element; repeated keys keep the last value."""
    out: dict[str, str] = {}
    for part in split_top(element):
        m = re.match(r"^\s*(\.[\w.]+(?:\[[^\]]*\])*)\s*=\s*(.*)$", part, re.S)
        if m:
            out[_WS.sub("", m.group(1))] = _WS.sub(" ", m.group(2)).strip()
    return out


def flags(value: str) -> frozenset[str]:
    """Tokens of a `A | B | C` feature expression."""
    return frozenset(t.strip() for t in split_top(value, "|") if t.strip())


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
    for part in split_top(inner):
        body = _unbrace(part)
        if body:
            out.append(members(body))
    return out
