"""GitLab Markdown for text we do not control: VMSD and field names, paths, commit subjects,
command arguments, a build's output.

Everything such text could do in a note is turned off: mentions (`@all`, `@user`) and
GitLab references (`#1`, `!1`, `~label`, `%milestone`, `$snippet`, `&epic`) are broken with a
zero-width space after the sigil, because GitLab's reference filters run on the rendered
text (a backslash escape would not stop them); links, images, emphasis, tables and HTML are
backslash- or entity-escaped; bare URLs are broken before `//`, so the autolinker does not
see them. Code spans and blocks are inert in GitLab (no mentions, links or HTML), but their
raw text still goes through `<!--` neutralisation so no hidden `<!-- migcheck:` marker can
be planted in a note the bot writes.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
_SIGILS = frozenset("@#!~%$&^")
_BACKSLASH = frozenset("\\`*_{}[]()!|~$")
_LINE_START = re.compile(r"^([ \t]*)([#+=-]|\d+(?=[.)]))", re.M)  # headings, lists, setext
_WORD = re.compile(r"[\w\-.]")


def _defuse_comment(text: str) -> str:
    """`<!--` (which could open a hidden marker) with a zero-width space inside it."""
    return text.replace("<!--", f"<{ZWSP}!--")


def text(value: str, *, one_line: bool = False) -> str:
    """Plain text as inert GitLab Markdown (see the module docstring)."""
    if one_line:
        value = " ".join(value.split())
    out: list[str] = []
    n = len(value)
    for i, ch in enumerate(value):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in _BACKSLASH:
            out.append("\\" + ch)
        else:
            out.append(ch)
        nxt = value[i + 1] if i + 1 < n else ""
        if ch in _SIGILS and nxt and _WORD.match(nxt):
            out.append(ZWSP)  # `@all`, `#12`, `~label`: no reference, no ping
        elif ch == ":" and value.startswith("//", i + 1):
            out.append(ZWSP)  # `https://...`: no autolink
        elif ch == "w" and value.startswith("ww.", i + 1) and not value[i - 1 : i].isalnum():
            out.append(ZWSP)  # `www.example.org`: no autolink
    return _LINE_START.sub(_escape_line_start, "".join(out))


def _escape_line_start(m: re.Match[str]) -> str:
    lead, mark = m.group(1), m.group(2)
    if mark[0].isdigit():  # `12. x` -> `12\. x` (the dot is what makes the list)
        return lead + mark + "\\"
    return lead + "\\" + mark


def code(value: str) -> str:
    """An inline code span holding `value` verbatim (one line)."""
    value = _defuse_comment(" ".join(value.split("\n")))
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def block(value: str, lang: str = "text") -> str:
    """A fenced code block holding `value` verbatim (a fence longer than any backtick run)."""
    value = _defuse_comment(value.rstrip("\n"))
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{value}\n{fence}"
