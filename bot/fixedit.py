"""A fix draft as edits of the head tree, and applying them to file bytes. Pure.

A rule's draft is C text for people (`Finding.fix_draft`); the edits say where that text
goes (`Finding.fix_edits`), so `--verify-fix` can apply the draft to the head tree and
review again. Every edit is anchored on the head side of one file: a line range, a line
pattern inside a range, or a named initializer array (`hw_compat_10_2[]`), resolved on the
bytes before any edit of that file is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Op = Literal["replace", "insert", "array", "sub", "member", "missing", "wrap", "entry",
             "merge"]


@dataclass(frozen=True, slots=True)
class DraftEdit:
    """One change the draft makes to one head file.

    - replace: lines line..end_line become `text` ("" deletes them); with `pattern`, only
      the first line in that range matching it is replaced.
    - insert: `text` goes before line `line` (line = last line + 1 appends).
    - array: `text` goes before the closing brace (or a trailing `*_END_OF_LIST()`) of the
      initializer array named `anchor`.
    - sub: in the first line of line..end_line matching `pattern`, the match becomes `text`
      (a re.sub template: the call's own arguments are kept as written).
    - member: `text` goes at the end of the definition of struct `anchor`.
    - wrap: the statement starting on `line` (up to the line ending in `;`) goes under
      `if (text) { ... }`, indented; with `orelse`, `} else { orelse }` follows (the
      statement the old side had instead).
    - entry: the GlobalProperty entry starting on `line` (`{ d, p, v },` on one line, or
      the `{ .driver = ... }` block of a pre-3.1 compat macro, backslashes and all) becomes
      `text` ("" deletes it), written in the macro's style when it was in one.
    - merge: the `.subsections = ...{ }` initializers within line..end_line (a vmsd with
      several, of which C keeps the last) become one list of all their entries, in order.
    - missing: a part of the draft that has no place in the tree; `text` says why (the
      draft cannot be applied as it is).
    `optional` edits are skipped when their anchor is not in the file (a struct member the
    source analysis does not need; the build then says whether it compiles).
    """

    path: str
    op: Op
    text: str
    line: int = 0
    end_line: int = 0
    pattern: str | None = None
    anchor: str | None = None
    optional: bool = False
    orelse: str = ""

    def describe(self) -> str:
        """Where the edit goes, for messages."""
        if self.op == "array":
            return f"{self.anchor}[] in {self.path}"
        if self.op == "member":
            return f"struct {self.anchor} in {self.path}"
        return f"{self.path}:{self.line}"


# `ret = call(`: the statement stores the call's result
_ASSIGNED_CALL = re.compile(r"^\s*([\w.>\[\]-]+\s*=\s*)\w+\s*\(")
_CODE_END = re.compile(r";\s*(//.*|/\*.*\*/\s*)?$")


class EditError(Exception):
    """An edit whose anchor is not in the file (the draft cannot be applied as written)."""


class MissingPart(EditError):
    """A part of the draft that has no place in the reviewed tree (op "missing")."""


def _array_close(lines: list[str], name: str) -> int:
    """0-based index of the line holding the closing brace of array `name`."""
    start = re.compile(rf"\b{re.escape(name)}\s*\[[^\]]*\]\s*=\s*\{{")
    for i, ln in enumerate(lines):
        m = start.search(ln)
        if m is None:
            continue
        j = _block_close(lines, i, m.end() - 1)
        if j is None:
            raise EditError(f"{name}[] is not closed")
        return j
    raise EditError(f"no {name}[] to add to")


_ENTRY = re.compile(r'^\s*\{\s*([^,]+?),\s*("[^"]*"),\s*("[^"]*")\s*\},\s*$')


def _macro_array(lines: list[str], edits: list[DraftEdit], k: int) -> list[DraftEdit]:
    """Before QEMU 3.1 compat lists were macros (`#define HW_COMPAT_2_11 \\`, one
    `{ ... },` per entry): edit k, for an array the file does not define but as such a
    macro, becomes an insertion right after the `#define` line, continued by a backslash
    (the `#define` line gets one when the macro was empty)."""
    e = edits[k]
    assert e.anchor is not None
    array = re.compile(rf"\b{re.escape(e.anchor)}\s*\[[^\]]*\]\s*=")
    if any(array.search(ln) for ln in lines):
        return edits
    define = re.compile(rf"^\s*#\s*define\s+{re.escape(e.anchor.upper())}\b")
    for i, ln in enumerate(lines):
        if define.match(ln):
            m = _ENTRY.match(e.text)
            body = (["    {", f"        .driver   = {m.group(1)},",
                     f"        .property = {m.group(2)},", f"        .value    = {m.group(3)},",
                     "    },"] if m else [e.text.rstrip()])  # fmt: skip
            more = ln.rstrip().endswith("\\")
            if not more:
                lines[i] = ln.rstrip() + " \\"
            text = "\n".join(f"{b}\\" if j < len(body) - 1 or more else b
                              for j, b in enumerate(body))  # fmt: skip
            edits[k] = DraftEdit(e.path, "insert", text, line=i + 2)
            break
    return edits


def _open_one_line_array(lines: list[str], name: str) -> None:
    """`T name[] = {};` on one line becomes two (`T name[] = {` and `};`) so that an entry
    can go between them."""
    start = re.compile(rf"^(.*\b{re.escape(name)}\s*\[[^\]]*\]\s*=\s*\{{)\s*(\}}.*)$")
    for i, ln in enumerate(lines):
        m = start.match(ln)
        if m is not None:
            lines[i : i + 1] = [m.group(1), m.group(2)]
            return


def _block_close(lines: list[str], i: int, col: int) -> int | None:
    """0-based line of the brace closing the one at lines[i][col]."""
    depth = 0
    for j in range(i, len(lines)):
        for ch in lines[j][col:] if j == i else lines[j]:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return j
    return None


def _struct_close(lines: list[str], name: str) -> int:
    """0-based line of the closing brace of struct `name` (`struct name {` or a typedef)."""
    opener = re.compile(rf"\bstruct\s+{re.escape(name)}\s*\{{")
    alone = re.compile(rf"^\s*(?:typedef\s+)?struct\s+{re.escape(name)}\s*$")  # `{` below
    for i, ln in enumerate(lines):
        m = opener.search(ln)
        if m is not None:
            end = _block_close(lines, i, m.end() - 1)
            if end is not None:
                return end
        if alone.match(ln) and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("{"):
            end = _block_close(lines, i + 1, lines[i + 1].index("{"))
            if end is not None:
                return end
    closer = re.compile(rf"^\s*\}}\s*{re.escape(name)}\s*;")
    for i, ln in enumerate(lines):
        if closer.match(ln):
            return i
    raise EditError(f"struct {name} is not defined here")


def _span(lines: list[str], e: DraftEdit) -> tuple[int, int]:
    """The 0-based half-open line range an edit replaces (empty for an insertion)."""
    n = len(lines)
    if e.op == "missing":
        raise MissingPart(e.text)
    if e.op == "array":
        if e.anchor is None:
            raise EditError("array edit without an array name")
        at = _array_close(lines, e.anchor)
        if at > 0 and re.search(r"\w+_END_OF_LIST\(\)", lines[at - 1]):
            at -= 1
        return at, at
    if e.op == "member":
        if e.anchor is None:
            raise EditError("member edit without a struct name")
        at = _struct_close(lines, e.anchor)
        return at, at
    if e.op == "merge":
        blocks = _subsection_blocks(lines, e.line - 1, min(n, e.end_line))
        if len(blocks) < 2:
            raise EditError(f"no second .subsections list at {e.path}:{e.line}")
        return blocks[0][0], blocks[-1][1] + 1
    if e.op == "entry":
        if not 1 <= e.line <= n or "{" not in lines[e.line - 1]:
            raise EditError(f"no compat entry starts at {e.path}:{e.line}")
        end = _block_close(lines, e.line - 1, lines[e.line - 1].index("{"))
        if end is None or end > e.line + 8:
            raise EditError(f"the compat entry at {e.path}:{e.line} does not close")
        return e.line - 1, end + 1
    if e.op == "insert":
        if not 1 <= e.line <= n + 1:
            raise EditError(f"line {e.line} is outside {e.path} ({n} lines)")
        return e.line - 1, e.line - 1
    if e.op == "wrap":
        if not 1 <= e.line <= n:
            raise EditError(f"line {e.line} is outside {e.path} ({n} lines)")
        for j in range(e.line - 1, min(n, e.line + 11)):
            if _CODE_END.search(lines[j]):
                return e.line - 1, j + 1
        raise EditError(f"no statement ends near {e.path}:{e.line}")
    end = max(e.end_line, e.line)
    if e.pattern is not None:
        end = min(end, n)  # a pattern looks for its line in a range that may run past the end
    if not (1 <= e.line <= n and end <= n):
        raise EditError(f"lines {e.line}-{end} are outside {e.path} ({n} lines)")
    if e.pattern is None:
        return e.line - 1, end
    rx = re.compile(e.pattern)
    for i in range(e.line - 1, end):
        if rx.search(lines[i]):
            return i, i + 1
    raise EditError(f"nothing matches {e.pattern!r} in {e.path}:{e.line}-{end}")


def apply_edits(data: bytes, edits: list[DraftEdit] | tuple[DraftEdit, ...]) -> bytes:
    """`data` with every edit applied; anchors are resolved on `data` as given.

    Raises EditError when an anchor is missing or two edits overlap.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    for k, e in enumerate(edits):
        if e.op == "array" and e.anchor is not None:
            _open_one_line_array(lines, e.anchor)
            edits = _macro_array(lines, list(edits), k)
    resolved: list[tuple[tuple[int, int], int]] = []
    for i, e in enumerate(edits):
        try:
            resolved.append((_span(lines, e), i))
        except EditError:
            if not e.optional:
                raise
    spans = sorted(resolved, reverse=True)
    last_start = len(lines) + 1
    for (start, end), i in spans:
        if end > last_start:
            raise EditError(f"two edits of {edits[i].path} overlap at line {start + 1}")
        e = edits[i]
        if e.op == "wrap":
            indent = re.match(r"\s*", lines[start]).group(0)  # type: ignore[union-attr]
            inner = [f"    {ln}" if ln.strip() else ln for ln in lines[start:end]]
            alt: list[str] = []
            if e.orelse:
                alt_body = _dedent(e.orelse.split("\n"))
                assign = _ASSIGNED_CALL.match(lines[start])
                if assign is not None and re.match(r"\w+\s*\(", alt_body[0]):
                    pad = " " * len(assign.group(1))  # `ret = old_call(...)` as well
                    alt_body = [assign.group(1) + alt_body[0], *(pad + ln for ln in alt_body[1:])]
                alt = [f"{indent}}} else {{", *(f"{indent}    {ln}" for ln in alt_body)]
            lines[start:end] = [f"{indent}if ({e.text}) {{", *inner, *alt, f"{indent}}}"]
            last_start = start
            continue
        if e.op == "merge":
            lines[start:end] = _merged_lists(lines[start:end])
            last_start = start
            continue
        if e.op == "entry":
            lines[start:end] = _entry_lines(e.text, lines[start:end])
            last_start = start
            continue
        if e.op == "sub" and e.pattern is not None:
            lines[start] = re.sub(e.pattern, e.text, lines[start], count=1)
            last_start = start
            continue
        body = e.text
        new = body.split("\n") if body != "" else []
        if new and new[-1] == "":
            new.pop()
        if e.op == "insert" and new and _DESIGNATOR.match(new[0]):
            _comma_before(lines, start)
        lines[start:end] = new
        last_start = start
    return "\n".join(lines).encode("utf-8", errors="surrogateescape")


_DESIGNATOR = re.compile(r"^\s*\.\w+\s*=")


def _comma_before(lines: list[str], at: int) -> None:
    """An initializer member inserted at line `at` follows a member that needs a comma: the
    last member of a list may be written without one (`.fields = (...) { ... }` then `};`)."""
    k = at - 1
    while k >= 0 and (not lines[k].strip() or lines[k].strip().startswith(("/*", "*", "//"))):
        k -= 1
    if k < 0:
        return
    code = re.sub(r"\s*(?:/\*.*\*/|//.*)$", "", lines[k])
    if code.rstrip().endswith((",", "{", "(", ";")) or not code.strip():
        return
    rest = lines[k][len(code):]
    lines[k] = code.rstrip() + "," + rest


_SUBS_START = re.compile(r"^(\s*)\.subsections\s*=.*\{")


def _subsection_blocks(lines: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """0-based (first, last) lines of each `.subsections = ... { ... }` in lines[lo:hi]."""
    out: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        m = _SUBS_START.match(lines[i])
        if m is not None:
            end = _block_close(lines, i, lines[i].rindex("{"))
            if end is None:
                break
            out.append((i, end))
            i = end + 1
            continue
        i += 1
    return out


def _merged_lists(chunk: list[str]) -> list[str]:
    """One `.subsections` list with the entries of every list in `chunk`."""
    blocks = _subsection_blocks(chunk, 0, len(chunk))
    names = list(dict.fromkeys(re.findall(r"&\s*(\w+)", "\n".join(chunk))))
    first, last = blocks[0], blocks[-1]
    head = chunk[first[0]]
    m = _SUBS_START.match(head)
    pad = m.group(1) if m is not None else "    "
    tail = chunk[last[1]].strip()  # `},` or `}`
    return [head.rstrip(), *(f"{pad}    &{n}," for n in names), f"{pad}    NULL",
            f"{pad}{tail}"]


def _entry_lines(text: str, was: list[str]) -> list[str]:
    """`text` (one-line entries) in place of the entry lines `was`: as `.driver = ...`
    blocks continued by backslashes when `was` belongs to a compat macro."""
    new = [ln for ln in text.split("\n") if ln.strip()]
    if not was or not was[0].rstrip().endswith("\\"):
        return new
    out: list[str] = []
    for ln in new:
        m = _ENTRY.match(ln)
        out += (["    {", f"        .driver   = {m.group(1)},",
                 f"        .property = {m.group(2)},", f"        .value    = {m.group(3)},",
                 "    },"] if m else [ln.rstrip()])  # fmt: skip
    more = was[-1].rstrip().endswith("\\")
    return [f"{ln}\\" if i < len(out) - 1 or more else ln for i, ln in enumerate(out)]


def _dedent(lines: list[str]) -> list[str]:
    """Lines without the indent they share (the first line's)."""
    pad = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    return [ln[pad:] if ln[:pad].strip() == "" else ln.lstrip() for ln in lines]


def edited_paths(edits: tuple[DraftEdit, ...]) -> list[str]:
    """The files the edits touch, in order of first mention."""
    return list(dict.fromkeys(e.path for e in edits))


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BARE = (
    (re.compile(r"<[A-Za-z_][\w \-]*>"), "a <placeholder>"),
    (re.compile(r"\b\w*X_Y\w*\b"), "an X_Y version"),
    (re.compile(r"\.\.\."), "an elided argument"),
)


def draft_problems(text: str, width: int = 80) -> list[str]:
    """Why a draft cannot be pasted as it is: bare placeholders in code or strings (a C
    comment naming what to fill in is fine), FIXME/TODO markers, lines over `width`
    columns, tabs. Empty when the draft is ready."""
    out: list[str] = []
    code = _COMMENT.sub(" ", text)
    if re.search(r"#include\s*<", code):
        code = re.sub(r"#include\s*<[^>\n]*>", " ", code)
    for rx, what in _BARE:
        for m in rx.finditer(code):
            out.append(f"{what}: {m.group(0)!r}")
    for m in re.finditer(r"\b(FIXME|TODO|XXX)\b", text):
        out.append(f"a {m.group(1)} marker")
    for n, ln in enumerate(text.splitlines(), 1):
        if "\t" in ln:
            out.append(f"line {n}: a tab")
        if len(ln) > width:
            out.append(f"line {n}: {len(ln)} columns")
    return out
