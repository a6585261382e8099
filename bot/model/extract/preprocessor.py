"""The preprocessor's view of a file, by text: #define/#include directives, object-like
define values, macro argument substitution, and function definitions (fast path)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.model import cscan
from bot.model.entities import CallSite, Define
from bot.model.extract.context import Ctx, Out
from bot.model.extract.properties import read_compat

_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(define|include)\b", re.M)


_DEFINE_HEAD = re.compile(r"#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?(.*)", re.S)


_INCLUDE_HEAD = re.compile(r"#\s*include\s*[<\"]([^>\"]+)[>\"]")

# Compat lists before QEMU 3.1 were macros: `#define HW_COMPAT_2_11 {...},{...},` and
# `#define PC_COMPAT_2_11 HW_COMPAT_2_11 {...},` (expanded into `.compat_props` arrays).
COMPAT_MACRO = re.compile(r"^[A-Z][A-Z0-9]*_COMPAT_\d+_\d+$")


def _in_block_comment(text: str, pos: int) -> bool:
    """Whether `pos` lies inside a `/* */` comment: the last opener before it is not closed
    and is not inside a string literal on its own line (`"/sys/*"`)."""
    o = text.rfind("/*", 0, pos)
    if o < 0 or text.rfind("*/", o, pos) >= 0:
        return False
    ls = text.rfind("\n", 0, o) + 1
    return text.count('"', ls, o) % 2 == 0


def _logical_end(text: str, start: int) -> int:
    """End of the preprocessor line at `start`: `\\`-continued lines and block comments that
    span lines belong to it (C replaces a comment by one space before directives run)."""
    i = start
    n = len(text)
    while True:
        j = text.find("\n", i)
        if j < 0:
            return n
        k = j - 1
        if k >= 0 and text[k] == "\r":
            k -= 1
        seg = text[start:j]
        if "/*" in seg:
            o = seg.rfind("/*")
            if seg.find("*/", o) < 0 and "//" not in seg[:o]:
                close = text.find("*/", start + o + 2)
                if close < 0:
                    return n
                i = close + 2
                continue
        if k >= start and text[k] == "\\":
            i = j + 1
            continue
        return j


def scan_directives(ctx: Ctx, text: str, out: Out) -> None:
    """Every `#define` (both #if arms, source order) and `#include` of the file.

    A regex finds directive lines in the raw text (skipping ones inside block comments); each
    logical line (`\\` continuations and multi-line comments joined) is comment-stripped on
    its own, so a comment inside a body is a space, as in C. Object-like: Define(name, raw,
    value); function-like: Define("NAME(a,b)", raw). Includes become
    CallSite("#include", (name,), None, line).
    """
    line = 1
    last = 0
    has_comments = "/*" in text
    compat: list[tuple[str, str, int]] = []
    for m in _DIRECTIVE.finditer(text):
        start = m.start()
        if has_comments and _in_block_comment(text, start):
            continue
        end = _logical_end(text, start)
        line += text.count("\n", last, start)
        last = start
        logical = text[start:end].replace("\\\r\n", " ").replace("\\\n", " ")
        if "/" in logical:
            logical = cscan.strip_comments(logical)
        if m.group(1) == "include":
            im = _INCLUDE_HEAD.match(logical.strip())
            if im is not None:
                out.calls.append(
                    CallSite(call="#include", args=(im.group(1),), function=None, line=line)
                )
            continue
        dm = _DEFINE_HEAD.match(logical.strip())
        if dm is None:
            continue
        name = dm.group(1)
        body = cscan.norm(dm.group(4))
        if dm.group(2) is None and COMPAT_MACRO.match(name):
            compat.append((name, text[start:end], line))
        if dm.group(2) is None:
            ctx.local_raw.setdefault(name, body)
            out.defines.append(Define(name=name, raw=body, value=None, line=line))
        else:
            params = [p.strip() for p in dm.group(3).split(",") if p.strip()]
            ctx.local_funcs.setdefault(name, (params, body))
            out.defines.append(
                Define(name=f"{name}({','.join(params)})", raw=body, value=None, line=line)
            )
    for name, raw, at in compat:
        read_compat_macro(ctx, name, raw, at, out)


def read_compat_macro(ctx: Ctx, name: str, raw: str, line: int, out: Out) -> None:
    """The CompatArray of an old-style compat macro (`#define HW_COMPAT_2_11 {...},`), named
    like the array that replaced it (`hw_compat_2_11`); `raw` is the directive as written,
    continuation lines included, so entries keep their own lines. Other compat macros the
    body names (`PC_COMPAT_2_11` starts with `HW_COMPAT_2_11`) are their own arrays."""
    head = re.match(r"[ \t]*#[ \t]*define[ \t]+\w+", raw)
    if head is None:
        return
    body = raw[head.end() :].replace("\\\r\n", "\n").replace("\\\n", "\n")
    end_line = line + raw.count("\n")
    read_compat(ctx, name.lower(), "{" + body + "}", line, end_line, None, out)


_FUNC_HEAD = re.compile(
    r"^([A-Za-z_][\w \t\*]*?)?\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^;{}()]*\))*\)\s*\{", re.M
)


_TYPE_LINE = re.compile(r"[A-Za-z_][\w \t\*]*")


_NOT_FUNCS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "do", "else"})


def scan_functions(text: str) -> list[tuple[str, int, int]]:
    """Function definitions found by text (fast path only): (name, line, end_line).

    A head `name(params) {` at the start of a line, the end at the next `}` in column 0
    (QEMU style); heads inside block comments are skipped.
    """
    res: list[tuple[str, int, int]] = []
    pos = 0
    line = 1
    last = 0
    has_comments = "/*" in text
    while True:
        m = _FUNC_HEAD.search(text, pos)
        if m is None:
            return res
        name = m.group(2)
        if name in _NOT_FUNCS or (has_comments and _in_block_comment(text, m.start())):
            pos = m.end()
            continue
        start = m.start()
        # `static void\nfoo(void)\n{`: the return type sits on the previous line
        prev_end = start - 1
        prev_start = text.rfind("\n", 0, max(prev_end, 0)) + 1
        prev = text[prev_start:prev_end] if prev_end > 0 else ""
        if (m.group(1) or "").strip() == "" and _TYPE_LINE.fullmatch(prev):
            start = prev_start
        close = text.find("\n}", m.end() - 1)
        close = len(text) - 1 if close < 0 else close + 1
        if "\n" not in text[m.end() - 1 : close] and "}" in text[m.end() - 1 : close + 1]:
            close = text.find("}", m.end() - 1)  # one-line function
        line += text.count("\n", last, start)
        last = start
        res.append((name, line, line + text.count("\n", start, close)))
        pos = close + 1


_IDENT_START = re.compile(r"\(*\s*[A-Za-z_]\w*\s*(\(|$|\)*$|\")")


_MAYBE_STRING = re.compile(r'^[("A-Za-z_]')


def resolve_defines(ctx: Ctx, out: Out) -> None:
    """Each object-like define's own body resolved (so both #ifdef arms keep their value)."""
    out.defines = [
        replace(d, value=ctx.resolve(d.raw))
        if d.raw
        and "(" not in d.name
        and _MAYBE_STRING.match(d.raw)
        and ('"' in d.raw or _IDENT_START.match(d.raw))
        else d
        for d in out.defines
    ]


def inside_define(clean: str, pos: int) -> bool:
    """True when the line at `pos` continues a `#define` (previous line ends with `\\`)."""
    ls = clean.rfind("\n", 0, pos)
    while ls > 0:
        prev_start = clean.rfind("\n", 0, ls) + 1
        prev = clean[prev_start:ls].rstrip("\r")
        if not prev.endswith("\\"):
            return False
        if prev.lstrip().startswith("#"):
            return True
        ls = prev_start - 1
    return False
