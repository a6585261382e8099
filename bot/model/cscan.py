"""Small, error-tolerant C text helpers used on initializer and argument text.

tree-sitter finds the constructs; these helpers read their inside. They work on plain text so
that a macro argument tree-sitter could not parse (`Type *`, `#ifdef` lines inside an
initializer list) still yields usable values. All functions are pure and never raise on odd
input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_WS = re.compile(r"\s+")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_INT_LIT = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)[uUlL]*")

_OPEN = "([{"
_CLOSE = ")]}"


def norm(text: str) -> str:
    """Collapse whitespace runs to one space and strip (how `#x` stringifies)."""
    return _WS.sub(" ", text).strip()


COMMENT_OR_LITERAL = _COMMENT_OR_LIT = re.compile(
    r"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:\\.|[^\"\\\n])*(?:\"|$)|'(?:\\.|[^'\\\n])*(?:'|$)",
    re.S | re.M,
)


def strip_comments(text: str) -> str:
    """Replace comments with spaces, keeping newlines and string/char literals intact."""
    if "/" not in text:
        return text

    def rep(m: re.Match[str]) -> str:
        s = m.group(0)
        if s[0] == "/":
            return _blank(s)
        return s

    return _COMMENT_OR_LIT.sub(rep, text)


def _blank(s: str) -> str:
    if "\n" not in s:
        return " " * len(s)
    return "\n".join(" " * len(part) for part in s.split("\n"))


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the string/char literal starting at i (tolerates a missing end)."""
    q = text[i]
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == q or ch == "\n":
            return j + 1
        j += 1
    return n


def strip_preproc_lines(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Blank out preprocessor lines (`#ifdef X` ...) inside an initializer.

    Returns the text (same length, newlines kept) and the (offset, directive) list so callers
    can tell which entries sat under a conditional.
    """
    out = []
    directives: list[tuple[int, str]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        s = line.lstrip()
        if s.startswith("#"):
            directives.append((pos, norm(s)))
            out.append(_blank(line))
        else:
            out.append(line)
        pos += len(line)
    return "".join(out), directives


_TOKENS = re.compile(
    r"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:\\.|[^\"\\\n])*(?:\"|$)|'(?:\\.|[^'\\\n])*(?:'|$)|[()\[\]{},]",
    re.S | re.M,
)


def split_top(text: str, sep: str = ",") -> list[tuple[int, str]]:
    """Split at top-level commas (outside brackets, strings, comments); (offset, piece) pairs.

    Offsets index into `text`; pieces are not stripped. Unbalanced closers are tolerated.
    """
    assert sep == ","
    parts: list[tuple[int, str]] = []
    depth = 0
    start = 0
    for m in _TOKENS.finditer(text):
        c = m.group(0)
        if len(c) != 1:
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            i = m.start()
            parts.append((start, text[start:i]))
            start = i + 1
    parts.append((start, text[start:]))
    return parts


def split_args(text: str) -> tuple[str, ...]:
    """Arguments of a macro call (text between its parentheses), whitespace-normalised."""
    return tuple(norm(piece) for _, piece in split_top(text))


def match_close(text: str, i: int) -> int:
    """Index of the bracket closing the one at text[i]; len(text) when unbalanced."""
    depth = 0
    for m in _TOKENS.finditer(text, i):
        c = m.group(0)
        if len(c) != 1 or c == ",":
            continue
        if c in _OPEN:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start()
    return len(text)


@dataclass(frozen=True, slots=True)
class CallText:
    """`NAME(arg, ...)` or a bare `NAME` read from text."""

    name: str
    args: tuple[str, ...]
    has_parens: bool


def parse_call(text: str) -> CallText | None:
    """Parse `IDENT ( args )` / bare `IDENT` from an expression text (comments allowed)."""
    t = strip_comments(text).strip()
    m = _IDENT.match(t)
    if not m:
        return None
    name = m.group(0)
    rest = t[m.end() :].lstrip()
    if not rest:
        return CallText(name, (), False)
    if rest[0] != "(":
        return None
    close = match_close(rest, 0)
    inner = rest[1:close]
    if inner.strip() == "":
        return CallText(name, (), True)
    args = tuple(norm(a) for _, a in split_top(inner))
    return CallText(name, args, True)


def unparen(text: str) -> str:
    """Strip whitespace and fully enclosing parentheses: `((x))` -> `x`."""
    t = text.strip()
    while t.startswith("(") and match_close(t, 0) == len(t) - 1:
        t = t[1:-1].strip()
    return t


def strip_casts(text: str) -> str:
    """Drop a leading `(const char *)`-style cast; keeps other parentheses."""
    t = unparen(text)
    m = re.match(r"\(\s*(?:const\s+)?\w+\s*\*?\s*\)\s*", t)
    if m and m.end() < len(t):
        return t[m.end() :]
    return t


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0", "r": "\r"}


def _unescape(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


Resolver = Callable[[str], "str | None"]


def eval_string(
    expr: str,
    lookup: Resolver,
    funcs: Mapping[str, Callable[[tuple[str, ...]], str | None]] | None = None,
    depth: int = 0,
) -> str | None:
    """Evaluate a C string expression: literals, adjacent concatenation, macros, helpers.

    `lookup(name)` resolves an object-like macro to a string (or None). `funcs` maps
    function-like helper names (MACHINE_TYPE_NAME ...) to callables on the already
    evaluated argument strings. Returns None for anything that is not a string.
    """
    if depth > 12:
        return None
    t = strip_comments(expr).strip()
    if not t:
        return None
    out: list[str] = []
    i = 0
    n = len(t)
    seen = False
    while i < n:
        c = t[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            j = _skip_quoted(t, i)
            out.append(_unescape(t[i + 1 : j - 1]))
            i = j
            seen = True
            continue
        if c == "(":
            j = match_close(t, i)
            inner = eval_string(t[i + 1 : j], lookup, funcs, depth + 1)
            if inner is None:
                return None
            out.append(inner)
            i = j + 1
            seen = True
            continue
        m = _IDENT.match(t, i)
        if m:
            name = m.group(0)
            k = m.end()
            while k < n and t[k].isspace():
                k += 1
            if k < n and t[k] == "(" and funcs is not None and name in funcs:
                j = match_close(t, k)
                raw_args = [a for _, a in split_top(t[k + 1 : j])]
                vals: list[str] = []
                for a in raw_args:
                    v = eval_string(a, lookup, funcs, depth + 1)
                    if v is None:
                        return None
                    vals.append(v)
                r = funcs[name](tuple(vals))
                if r is None:
                    return None
                out.append(r)
                i = j + 1
                seen = True
                continue
            if k < n and t[k] == "(":
                return None
            if name in ("L", "u8", "u", "U") and k < n and t[k] == '"':
                i = k
                continue
            v = lookup(name)
            if v is None:
                return None
            out.append(v)
            i = m.end()
            seen = True
            continue
        return None
    return "".join(out) if seen else None


_INT_TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|[-+*/%()|&~^]))"
)


def eval_int(expr: str, lookup: Callable[[str], int | None] | None = None) -> int | None:
    """Evaluate a small C integer constant expression (literals, + - * / % << >> | & ~ ( ))."""
    t = strip_comments(expr).strip()
    if not t:
        return None
    if t.isdigit() and (t[0] != "0" or t == "0"):
        return int(t)
    pieces: list[str] = []
    pos = 0
    while pos < len(t):
        m = _INT_TOKEN.match(t, pos)
        if not m or m.end() == pos:
            if t[pos:].strip() == "":
                break
            return None
        lit, ident, op = m.group(1), m.group(2), m.group(3)
        if lit is not None:
            if lit.startswith(("0x", "0X")):
                pieces.append(str(int(lit, 16)))
            elif lit.startswith(("0b", "0B")):
                pieces.append(str(int(lit, 2)))
            elif len(lit) > 1 and lit.startswith("0"):
                try:
                    pieces.append(str(int(lit, 8)))
                except ValueError:
                    return None
            else:
                pieces.append(lit)
        elif ident is not None:
            if lookup is None:
                return None
            v = lookup(ident)
            if v is None:
                return None
            pieces.append(f"({v})")
        else:
            pieces.append("//" if op == "/" else op)
        pos = m.end()
    return _safe_arith(" ".join(pieces))


def _safe_arith(src: str) -> int | None:
    import ast

    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError):
        return None
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Constant,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.FloorDiv,
        ast.Mod,
        ast.LShift,
        ast.RShift,
        ast.BitOr,
        ast.BitAnd,
        ast.BitXor,
        ast.Invert,
        ast.USub,
        ast.UAdd,
    )
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            return None
        if isinstance(node, ast.Constant) and not isinstance(node.value, int):
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.LShift):
            r = node.right
            if isinstance(r, ast.Constant) and isinstance(r.value, int) and r.value > 128:
                return None
    try:
        val = eval(compile(tree, "<c-int>", "eval"), {"__builtins__": {}}, {})
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return None
    return val if isinstance(val, int) else None


def designated_members(text: str) -> list[tuple[int, str, str]]:
    """Members of a `{ .a = x, .b = y }` initializer body: (offset of value, member, value).

    `text` is the body without the outer braces. Nested `.a.b = x` keeps the dotted name.
    """
    out: list[tuple[int, str, str]] = []
    for off, piece in split_top(text):
        m = re.match(r"\s*\.\s*([A-Za-z_][\w.\s]*?)\s*=(?!=)", piece)
        if not m:
            continue
        out.append((off + m.end(), m.group(1).replace(" ", ""), piece[m.end() :]))
    return out


def brace_body(text: str) -> tuple[int, str] | None:
    """The inside of the first `{...}` in text: (offset of the inside, inside text)."""
    i = text.find("{")
    if i < 0:
        return None
    j = match_close(text, i)
    return i + 1, text[i + 1 : j]


def ident_or_none(text: str) -> str | None:
    """`&foo` / `(&foo)` / `foo` -> `foo`; None for anything more complex."""
    t = unparen(text)
    if t.startswith("&"):
        t = unparen(t[1:])
    return t if _IDENT.fullmatch(t) else None


def is_int_literal(text: str) -> bool:
    """True for a plain C integer literal."""
    return _INT_LIT.fullmatch(text.strip()) is not None


# A string/char literal (kept as is) or an identifier; with `#` before it, a stringification.
STR_OR_IDENT = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*')
_STR_OR_STRINGIFY = re.compile(r'"(?:\\.|[^"\\])*"|(?<!#)#\s*([A-Za-z_]\w*)')
_PASTE = re.compile(r"\s*##\s*")


def substitute(
    body: str,
    params: tuple[str, ...] | list[str],
    args: tuple[str, ...] | list[str],
    variadic: bool = False,
) -> str:
    """A function-like macro body with its parameters replaced by argument texts: `#p`
    stringifies, `a ## b` pastes; string literals are left alone. With `variadic` the last
    parameter takes the remaining arguments joined by commas (`__VA_ARGS__`)."""
    mp = dict(zip(params, args, strict=False))
    if variadic and params:
        mp[params[-1]] = ", ".join(args[len(params) - 1 :])

    def stringify(m: re.Match[str]) -> str:
        a = mp.get(m.group(1))
        if a is None:
            return m.group(0)
        return '"' + norm(a).replace("\\", "\\\\").replace('"', '\\"') + '"'

    t = _STR_OR_STRINGIFY.sub(lambda m: m.group(0) if m.group(1) is None else stringify(m), body)
    t = STR_OR_IDENT.sub(lambda m: mp.get(m.group(0), m.group(0)), t)
    return _PASTE.sub("", t)
