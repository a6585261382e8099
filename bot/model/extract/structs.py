"""C struct/union layouts from a text scan (headers included; no tree-sitter needed).

Migration cares about what a member *is*: an inline array (how many elements, from which
macro) or a pointer to memory elsewhere, and how big a struct is (`sizeof` of a virtio config
struct is the config space size). QEMU headers are mostly declarations tree-sitter gains
nothing on, and many take the extractor's fast path, so this reader works on the
comment-stripped text: `struct|union [Tag] { ... } [Alias];` at any depth outside functions,
members split on top-level `;`, declarators on top-level `,`. Preprocessor lines inside a
body are dropped (both `#ifdef` branches stay; the first member of a name wins).
"""

from __future__ import annotations

import re

from bot.model import cscan
from bot.model.entities import StructDef, StructMember

MAX_STRUCTS = 2000
MAX_MEMBERS = 400

_HEAD = re.compile(
    r"\b(typedef\s+)?(struct|union)\s+(?:(?:QEMU_PACKED|QEMU_ALIGNED\([^)]*\))\s+)*"
    r"([A-Za-z_]\w*)?\s*\{"
)
_ATTR = re.compile(
    r"\b(?:QEMU_PACKED|QEMU_ALIGNED\s*\([^()]*\)|__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)"
    r"|G_GNUC_\w+)"
)
_PACKED = re.compile(r"\bQEMU_PACKED\b|__attribute__\s*\(\(\s*(?:__)?packed")
_QUALS = re.compile(r"\b(?:const|volatile|static|extern|signed(?=\s+\w)|register)\b")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_DECL_NAME = re.compile(r"([A-Za-z_]\w*)\s*((?:\[[^\]]*\]\s*)*)(?::\s*(\S+))?\s*$")


def read_structs(text: str) -> tuple[StructDef, ...]:
    """Every struct/union definition with a name (tag or typedef alias) in `text`."""
    if "{" not in text or ("struct" not in text and "union" not in text):
        return ()
    src = cscan.strip_comments(text)
    out: list[StructDef] = []
    pos = 0
    while len(out) < MAX_STRUCTS:
        m = _HEAD.search(src, pos)
        if m is None:
            break
        open_i = m.end() - 1
        close_i = cscan.match_close(src, open_i)
        if close_i >= len(src):
            break
        tail_end = src.find(";", close_i)
        tail = src[close_i + 1 : tail_end] if tail_end >= 0 else ""
        if "{" in tail or "(" in _ATTR.sub("", tail):
            # `struct X { } fn(void) {` or an initializer: not a layout definition
            pos = m.end()
            continue
        tag = m.group(3)
        aliases: tuple[str, ...] = ()
        if m.group(1):
            aliases = tuple(n for n in _IDENT.findall(_ATTR.sub("", tail)) if n != tag)
        packed = bool(_PACKED.search(src[m.start() : open_i]) or _PACKED.search(tail))
        name = tag or (aliases[0] if aliases else None)
        if name is not None:
            line = src.count("\n", 0, m.start()) + 1
            members = _members(src, open_i + 1, close_i, line_of=_line_counter(src))
            out.append(
                StructDef(
                    name=name,
                    aliases=tuple(a for a in aliases if a != name),
                    kind=m.group(2),
                    members=members,
                    packed=packed,
                    line=line,
                    end_line=src.count("\n", 0, close_i) + 1,
                )
            )
        pos = close_i + 1
    return tuple(out)


def _line_counter(src: str) -> _LineOf:
    return _LineOf(src)


class _LineOf:
    """Line number of an offset, counted incrementally (offsets mostly increase)."""

    __slots__ = ("_line", "_pos", "_src")

    def __init__(self, src: str) -> None:
        self._src = src
        self._pos = 0
        self._line = 1

    def __call__(self, i: int) -> int:
        if i < self._pos:
            self._pos, self._line = 0, 1
        self._line += self._src.count("\n", self._pos, i)
        self._pos = i
        return self._line


def _members(src: str, start: int, end: int, line_of: _LineOf) -> tuple[StructMember, ...]:
    body = src[start:end]
    # drop preprocessor lines, keep offsets (and so line numbers) intact
    body = re.sub(r"(?m)^[ \t]*#[^\n]*(?:\\\n[^\n]*)*", lambda mm: " " * len(mm.group(0)), body)
    out: list[StructMember] = []
    seen: set[str] = set()
    for off, decl in _split_decls(body):
        if len(out) >= MAX_MEMBERS:
            break
        text = decl.strip()
        if not text:
            continue
        line = line_of(start + off + (len(decl) - len(decl.lstrip())))
        for mem in _member_decl(src, start + off, text, line, line_of):
            if mem.name not in seen:
                seen.add(mem.name)
                out.append(mem)
    return tuple(out)


def _split_decls(body: str) -> list[tuple[int, str]]:
    """Top-level `;`-terminated pieces with their offsets (braces/parens respected)."""
    out: list[tuple[int, str]] = []
    depth = 0
    last = 0
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth = max(0, depth - 1)
        elif c == ";" and depth == 0:
            out.append((last, body[last:i]))
            last = i + 1
        elif c in "\"'":
            q = c
            i += 1
            while i < n and body[i] != q:
                i += 2 if body[i] == "\\" else 1
        i += 1
    return out


def _member_decl(src: str, off: int, text: str, line: int, line_of: _LineOf) -> list[StructMember]:
    brace = text.find("{")
    if brace >= 0 and _HEAD_INLINE.match(text):
        # inline struct/union member: flatten its members under the member's name
        close = cscan.match_close(text, brace)
        kind = "union" if text.lstrip().startswith("union") else "struct"
        inner_start = off + (len(src[off:]) - len(src[off:].lstrip())) + brace + 1
        inner = _members(src, inner_start, inner_start + (close - brace - 1), line_of)
        rest = _ATTR.sub("", text[close + 1 :]).strip()
        names = [d for _o, d in cscan.split_top(rest)] if rest else []
        out: list[StructMember] = []
        if not names:  # anonymous: members belong to the outer struct
            return list(inner)
        for d in names:
            parsed = _declarator(d)
            if parsed is None:
                continue
            nm, ptr, dims, bits = parsed
            out.append(StructMember(nm, f"{kind} {{}}", ptr, dims, line, bits, inner))
        return out
    clean = _ATTR.sub("", text)
    clean = cscan.norm(_QUALS.sub(" ", clean))
    parts = [d for _o, d in cscan.split_top(clean)]
    if not parts:
        return []
    first = parts[0]
    fp = _funcptr(first)
    if fp is not None:
        return [StructMember(fp, cscan.norm(first), 1, (), line)]
    head = _DECL_NAME.search(first)
    if head is None:
        return []
    base = first[: head.start()].rstrip("* ").strip()
    if not base:  # `QTAILQ_ENTRY(X) next` splits oddly; `int;` is nothing
        return []
    out = []
    for i, d in enumerate(parts):
        parsed = _declarator(first[len(base) :] if i == 0 else d)
        if parsed is None:
            continue
        nm, ptr, dims, bits = parsed
        out.append(StructMember(nm, cscan.norm(base), ptr, dims, line, bits))
    return out


_HEAD_INLINE = re.compile(r"\s*(?:struct|union)\s*(?:[A-Za-z_]\w*\s*)?\{")
_FUNCPTR = re.compile(r"\(\s*\*+\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\)\s*\(")


def _funcptr(decl: str) -> str | None:
    m = _FUNCPTR.search(decl)
    return m.group(1) if m else None


def _declarator(d: str) -> tuple[str, int, tuple[str, ...], str | None] | None:
    """(name, pointer depth, array dimensions, bit-field width) of `*name[N][M] : w`."""
    t = d.strip()
    ptr = 0
    while t.startswith("*"):
        ptr += 1
        t = t[1:].lstrip()
        t = re.sub(r"^(?:const|volatile)\b\s*", "", t)
    m = _DECL_NAME.match(t)
    if m is None:
        return None
    dims = tuple(cscan.norm(x) for x in re.findall(r"\[([^\]]*)\]", m.group(2) or ""))
    return m.group(1), ptr, dims, m.group(3)
