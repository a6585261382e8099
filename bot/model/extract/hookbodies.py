"""Bodies of the functions that can be vmsd hooks, reduced to what they do.

A hook (`.pre_save`, `.post_load`, `.needed`, a `_TEST` predicate ...) can change what is
sent or how loaded state is read without any change to its VMStateDescription, and it can
be defined in another file than the vmsd (a shared `pcie_cap_slot_post_load`). So every
function a vmsd of the file names, and every non-static function shaped like a hook
(`(void *opaque)` or `(void *opaque, int version_id)` returning int, bool or void), gets a
`HookBody`: a digest of its normalised token stream plus the calls, member writes and
returns it makes, so a diff can tell a change of logic from a change of words.

The normalisation keeps a digest stable across what does not change behaviour: comments,
whitespace, tracing and logging calls, assertions, renamed parameters and local variables,
and QOM cast macros (`PCI_DEVICE(s)`, `DO_UPCAST(T, f, x)`, `container_of(x, T, f)` read
as their pointer argument). Text based, so files read by the fast path get bodies too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence

from bot.model import cscan
from bot.model.entities import HookBody

# A preprocessor line (`#ifdef CONFIG_KVM`, `#endif`, with `\\` continuations) is one token:
# its words are no operands, so the member written on the next line is `env->x`, not
# `CONFIG_KVM env->x`, and the conditional still counts in the digest. Each character is
# taken by exactly one alternative, so the scan is linear.
_TOKEN = re.compile(
    r"^[ \t]*#(?:[^\n\\]|\\[^\n]|\\\n)*"
    r"|[A-Za-z_]\w*"
    r"|0[xX][0-9a-fA-F]+[uUlL]*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?[uUlLfF]*"
    r"|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'"
    r"|->|\+\+|--|<<=|>>=|<<|>>|&&|\|\||[-+*/%&|^!=<>]=|\S",
    re.M,
)

# Calls that only report: they never change migrated state or the wire.
_LOG_CALL = re.compile(
    r"trace_\w+|\w*DPRINTF\w*|\w*_dprintf|DB_PRINT\w*|DBG\w*|dprintf|printf|fprintf|"
    r"qemu_log\w*|error_report\w*|warn_report\w*|info_report\w*|error_printf\w*|"
    r"error_vreport|warn_vreport|g_warning|g_debug|g_message|g_info|g_printerr|"
    r"assert|g_assert\w*|tcg_debug_assert"
)

# Casts written as macros: the pointer they return is their argument.
_CAST_FIRST_ARG = frozenset({"container_of"})
_CAST_LAST_ARG = frozenset({"DO_UPCAST", "OBJECT_CHECK", "OBJECT_CLASS_CHECK"})
_UPPER_CAST = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
# Upper-case one-argument macros that compute a value rather than view a pointer.
_NOT_CASTS = frozenset(
    {
        "ARRAY_SIZE",
        "BIT",
        "BIT_ULL",
        "MAKE_64BIT_MASK",
        "QEMU_ALIGN_UP",
        "ROUND_UP",
        "DIV_ROUND_UP",
        "PCI_SLOT",
        "PCI_FUNC",
        "PCI_BUS_NUM",
        "GUINT_TO_POINTER",
        "GPOINTER_TO_UINT",
        "GPOINTER_TO_INT",
        "GINT_TO_POINTER",
        "QTAILQ_FIRST",
        "QTAILQ_EMPTY",
        "QLIST_FIRST",
        "QLIST_EMPTY",
        "QSIMPLEQ_FIRST",
        "QSIMPLEQ_EMPTY",
        "MIN",
        "MAX",
    }
)
_DECL_QUALS = frozenset(
    {"const", "volatile", "struct", "union", "enum", "unsigned", "signed", "static", "register"}
)
_KEYWORDS = frozenset(
    {
        "if",
        "else",
        "for",
        "while",
        "do",
        "switch",
        "case",
        "default",
        "return",
        "break",
        "continue",
        "goto",
        "sizeof",
        "typeof",
        "__typeof__",
    }
)
_ASSIGN_OPS = frozenset(
    {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"}
)

_HOOK_RETURN = re.compile(r"(?:static\s+)?(?:inline\s+)?(int|bool|void)")
_VOID_PTR = re.compile(r"(?:const\s+)?void\s*\*\s*(?:const\s+)?[A-Za-z_]\w*")
_INT_PARAM = re.compile(r"(?:unsigned\s+|signed\s+)?(?:int|uint32_t|int32_t)\s+[A-Za-z_]\w*")

_IDENT = re.compile(r"[A-Za-z_]\w*")
# Member names QEMU gives the embedded QOM parent of a state struct.
_PARENT_MEMBERS = frozenset(
    {"parent_obj", "parent", "qdev", "busdev", "pci_dev", "parent_dev", "common", "dev", "sbd"}
)

_MAX_ITEMS = 48
_MAX_TEXT = 4000  # calls / writes / returns kept per body (the digest covers everything)


def hook_bodies(
    text: str, functions: Sequence[tuple[str, int, int]], named: Collection[str]
) -> tuple[HookBody, ...]:
    """HookBody of every function of `functions` (name, line, end_line) that `named` lists
    or that is a non-static function shaped like a vmsd hook."""
    if not functions:
        return ()
    lines = text.split("\n")
    out: list[HookBody] = []
    seen: set[str] = set()
    for name, line, end_line in functions:
        if name in seen:
            continue
        src = "\n".join(lines[line - 1 : end_line])
        if name not in named:
            head = src[: src.find("{")] if "{" in src else src
            if "void" not in head or re.search(r"\bstatic\b", head):
                continue  # cheap test first: most functions are no hook
        body = _split(cscan.strip_comments(src), name)
        if body is None:
            continue
        head, params, block = body
        static = bool(re.search(r"\bstatic\b", head))
        if name not in named and (static or not _hook_shaped(head, params)):
            continue
        seen.add(name)
        out.append(_body(name, line, end_line, static, params, block))
    return tuple(out)


def _split(src: str, name: str) -> tuple[str, str, str] | None:
    """(text before the name, parameter text, body text) of one function definition."""
    m = re.search(rf"\b{re.escape(name)}\s*\(", src)
    if m is None:
        return None
    depth = 0
    i = m.end() - 1
    for j in range(i, len(src)):
        c = src[j]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                brace = src.find("{", j)
                if brace < 0:
                    return None
                return src[: m.start()], src[i + 1 : j], src[brace:]
    return None


def _hook_shaped(head: str, params: str) -> bool:
    """`int|bool|void f(void *p)` or `(void *p, int v)`: a possible vmsd hook."""
    if _HOOK_RETURN.fullmatch(" ".join(head.split())) is None:
        return False
    parts = [p.strip() for p in params.split(",")]
    if not parts or _VOID_PTR.fullmatch(parts[0]) is None:
        return False
    return len(parts) == 1 or (len(parts) == 2 and _INT_PARAM.fullmatch(parts[1]) is not None)


def tokens(block: str) -> list[str]:
    """C tokens of a text (comments already blanked); a preprocessor line is one token,
    its spacing normalised."""
    return [" ".join(t.split()) if t[:1] in "# \t" else t for t in _TOKEN.findall(block)]


def _close(toks: Sequence[str], i: int) -> int:
    """Index of the bracket closing the one at `toks[i]` (len(toks) when unbalanced)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    open_, close = toks[i], pairs[toks[i]]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == open_:
            depth += 1
        elif toks[j] == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def _drop_logging(toks: list[str]) -> list[str]:
    """The tokens without statements that only call a logging/assert function, and without
    the `if (...) {}` shells such a removal leaves behind."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if (
            _LOG_CALL.fullmatch(t)
            and i + 1 < n
            and toks[i + 1] == "("
            and (not out or out[-1] in (";", "{", "}", ")", "else", ":"))
        ):
            j = _close(toks, i + 1)
            if j + 1 < n and toks[j + 1] == ";":
                i = j + 2
                if out and out[-1] == ")":
                    out.append(";")  # `if (c) trace_x();` keeps an empty statement
                continue
        out.append(t)
        i += 1
    return _drop_empty_ifs(out)


def _drop_empty_ifs(toks: list[str]) -> list[str]:
    """Remove `if (c) {}` / `if (c) ;` without an else (left by removed logging)."""
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(toks):
            if toks[i] == "if" and i + 1 < len(toks) and toks[i + 1] == "(":
                j = _close(toks, i + 1)
                k = j + 1
                end = None
                if k < len(toks) and toks[k] == ";":
                    end = k + 1
                elif k + 1 < len(toks) and toks[k] == "{" and toks[k + 1] == "}":
                    end = k + 2
                if end is not None and (end >= len(toks) or toks[end] != "else"):
                    del toks[i:end]
                    changed = True
                    continue
            i += 1
    return toks


def _unwrap_casts(toks: list[str]) -> list[str]:
    """QOM cast macros replaced by the pointer they cast."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if i + 1 < n and toks[i + 1] == "(" and (not out or out[-1] not in ("->", ".")):
            upper = (
                _UPPER_CAST.fullmatch(t) is not None
                and t not in _NOT_CASTS
                and not t.startswith(("VMSTATE_", "QEMU_", "TYPE_"))
            )
            if upper or t in _CAST_FIRST_ARG or t in _CAST_LAST_ARG:
                j = _close(toks, i + 1)
                args = _split_args(toks[i + 2 : j])
                arg: list[str] | None = None
                if t in _CAST_FIRST_ARG and len(args) == 3:
                    arg = args[0]
                elif t in _CAST_LAST_ARG and len(args) >= 2:
                    arg = args[-1] if t == "DO_UPCAST" else args[1]
                elif upper and len(args) == 1 and args[0]:
                    arg = args[0]
                if arg is not None:
                    inner = _unwrap_casts(arg)
                    out.extend(["(", *inner, ")"] if len(inner) > 1 else inner)
                    i = j + 1
                    continue
        out.append(t)
        i += 1
    return out


def _split_args(toks: Sequence[str]) -> list[list[str]]:
    """Top-level comma-separated arguments of a call's token list."""
    args: list[list[str]] = [[]]
    depth = 0
    for t in toks:
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
        if t == "," and depth == 0:
            args.append([])
        else:
            args[-1].append(t)
    return args


def _param_names(params: str) -> list[str]:
    names: list[str] = []
    for p in params.split(","):
        m = re.search(r"([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*$", p.strip())
        if m and m.group(1) not in ("void",) and p.strip() != "void":
            names.append(m.group(1))
    return names


def _declarations(toks: Sequence[str]) -> tuple[list[str], set[int]]:
    """Variables the body declares (`T *a = ...;`, `T b, *c;`, `struct S d;`) and the token
    positions of their declared types."""
    names: list[str] = []
    types: set[int] = set()
    n = len(toks)
    for i in range(n):
        if i and toks[i - 1] not in (";", "{", "}"):
            continue
        j = i
        while j < n and toks[j] in _DECL_QUALS:
            j += 1
        if j + 1 >= n or not _IDENT.fullmatch(toks[j]) or toks[j] in _KEYWORDS:
            continue
        k = j + 1
        found = False
        while True:  # declarators separated by commas
            while k < n and toks[k] == "*":
                k += 1
            if not (k + 1 < n and _IDENT.fullmatch(toks[k]) and toks[k] not in _KEYWORDS):
                break
            if toks[k + 1] not in ("=", ";", ",", "["):
                break
            found = True
            if toks[k] not in names:
                names.append(toks[k])
            k += 1
            depth = 0  # skip the initializer / dimension up to the next , or ;
            while k < n:
                if toks[k] in ("(", "[", "{"):
                    depth += 1
                elif toks[k] in (")", "]", "}"):
                    depth -= 1
                elif depth == 0 and toks[k] in (",", ";"):
                    break
                k += 1
            if k < n and toks[k] == ",":
                k += 1
                continue
            break
        if found:
            types.update(range(i, j + 1))
    return names, types


def _drop_c_casts(toks: list[str]) -> list[str]:
    """`(Type *)x` / `(struct s *)x` read as `x`."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        if toks[i] == "(":
            j = i + 1
            while j < n and toks[j] in _DECL_QUALS:
                j += 1
            if j < n and _IDENT.fullmatch(toks[j]) and toks[j] not in _KEYWORDS:
                k = j + 1
                stars = 0
                while k < n and toks[k] == "*":
                    k += 1
                    stars += 1
                if (
                    stars
                    and k + 1 < n
                    and toks[k] == ")"
                    and (_IDENT.fullmatch(toks[k + 1]) or toks[k + 1] in ("(", "&"))
                ):
                    i = k + 1
                    continue
        out.append(toks[i])
        i += 1
    return out


def _collapse_parents(toks: list[str]) -> list[str]:
    """Accesses through an embedded QOM parent (`s->parent_obj.x`, `&s->dev`) read as
    accesses of the object itself (`s->x`, `s`): a cast macro and the parent member name
    the same object."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t in ("->", ".") and i + 1 < n and toks[i + 1] in _PARENT_MEMBERS:
            nxt = toks[i + 2] if i + 2 < n else ""
            if nxt in ("->", "."):
                out.append("->")
                i += 3
                continue
            if out and len(out) >= 2 and out[-2] == "&":
                # `&s->dev` -> `s`
                base = out.pop()
                out.pop()
                out.append(base)
                i += 2
                continue
        out.append(t)
        i += 1
    return out


def _rename(toks: list[str], params: Sequence[str], locals_: Collection[str]) -> list[str]:
    """Parameters replaced by positional placeholders (`$0`, `$1`), locals by `$v`; a member
    (`s->name`, `x.name`) of the same spelling stays."""
    mapping = {name: "$v" for name in locals_}
    mapping.update({name: f"${k}" for k, name in enumerate(params)})
    out: list[str] = []
    for i, t in enumerate(toks):
        if t in mapping and not (i > 0 and toks[i - 1] in ("->", ".")):
            out.append(mapping[t])
        else:
            out.append(t)
    return out


def normalise(params: str, block: str) -> list[str]:
    """The token stream a digest is taken of (see the module docstring)."""
    toks = _drop_c_casts(_unwrap_casts(_drop_logging(tokens(block))))
    names, types = _declarations(toks)
    toks = ["$T" if k in types else t for k, t in enumerate(toks)]
    return _drop_plain_decls(_collapse_parents(_rename(toks, _param_names(params), names)))


_ALIAS_VALUE = re.compile(r"&?\$\w+")


def _drop_plain_decls(toks: list[str]) -> list[str]:
    """Declarations that only name things are dropped: `T *a;`, `T b[4];` and aliases of
    another variable or parameter (`T *d = s;` once casts are gone): with every local
    spelled `$v`, they change no behaviour."""
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        if toks[i] == "$T" and (not out or out[-1] in (";", "{", "}")):
            j = i
            while j < n and toks[j] == "$T":
                j += 1
            k = j
            while k < n and toks[k] != ";" and toks[k] not in ("{", "}"):
                k += 1
            decl = toks[j:k]
            if k < n and toks[k] == ";" and _plain_decl(decl):
                i = k + 1
                continue
        out.append(toks[i])
        i += 1
    return out


def _plain_decl(decl: Sequence[str]) -> bool:
    """Declarators without initializers or initialised with another variable."""
    for part in _split_args(decl):
        p = [t for t in part if t != "*"]
        if "=" in p:
            at = p.index("=")
            value = "".join(p[at + 1 :])
            if p[:at] != ["$v"] or _ALIAS_VALUE.fullmatch(value) is None:
                return False
        elif not p or p[0] != "$v" or any(t.startswith("$") and t != "$v" for t in p[1:]):
            return False
    return True


def _body(
    name: str, line: int, end_line: int, static: bool, params: str, block: str
) -> HookBody:
    toks = normalise(params, block)
    digest = hashlib.sha256(" ".join(toks).encode()).hexdigest()[:16]
    calls: list[str] = []
    writes: list[str] = []
    returns: list[str] = []
    n = len(toks)
    for i, t in enumerate(toks):
        if (
            i + 1 < n
            and toks[i + 1] == "("
            and re.fullmatch(r"[A-Za-z_]\w*", t)
            and t not in _KEYWORDS
            and (i == 0 or toks[i - 1] not in ("->", "."))
        ):
            calls.append(t)
        elif t in _ASSIGN_OPS and i > 0:
            target = _lvalue(toks, i)
            if target:
                writes.append(target)
        elif t == "return":
            j = i + 1
            while j < n and toks[j] != ";":
                j += 1
            returns.append(" ".join(toks[i + 1 : j]))
    return HookBody(
        name=name,
        line=line,
        end_line=end_line,
        static=static,
        digest=digest,
        calls=tuple(sorted(set(calls)))[:_MAX_ITEMS],
        writes=tuple(sorted(set(writes)))[:_MAX_ITEMS],
        returns=tuple(returns[:_MAX_ITEMS]),
        text=" ".join(toks)[:_MAX_TEXT],
    )


def _lvalue(toks: Sequence[str], i: int) -> str | None:
    """The member path assigned by the operator at `toks[i]` (`$0->a.b`, `$1[]`), None when
    the target is a plain local, a designated initializer or not recognisable."""
    parts: list[str] = []
    k = i - 1
    while k >= 0:
        t = toks[k]
        if t == "]":
            k = _open_bracket(toks, k) - 1
            parts.append("[]")
            continue
        if re.fullmatch(r"[\w$]+", t) or t in ("->", "."):
            parts.append(t)
            k -= 1
            continue
        break
    if not parts or parts[-1] in (".", "->", "[]"):
        return None  # `.x = 1` / `[2] = 1` in an initializer, or nothing on the left (`++x`)
    path = "".join(reversed(parts))
    if "->" not in path and "." not in path and "[]" not in path:
        return None  # a local variable: not state
    return path


def _open_bracket(toks: Sequence[str], k: int) -> int:
    """Index of the `[` matching the `]` at `toks[k]` (0 when unbalanced)."""
    depth = 0
    while k >= 0:
        if toks[k] == "]":
            depth += 1
        elif toks[k] == "[":
            depth -= 1
            if depth == 0:
                return k
        k -= 1
    return 0
