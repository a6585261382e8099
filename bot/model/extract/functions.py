"""Facts about the functions a vmsd names (hooks, .needed, _TEST predicates)."""

from __future__ import annotations

import re

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import FunctionInfo, Vmsd
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.extract.syntax import param_list

_CAST_DECL = re.compile(
    r"(?:const\s+)?(?:struct\s+)?(\w+)\s*\*\s*(?:const\s+)?\w+\s*=\s*"
    r"(?:\(\s*(?:const\s+)?(?:struct\s+)?\w+\s*\*\s*\)\s*)?(?:\w+\s*\(\s*)?(\w+)\s*\)?\s*;"
)


# `FooClass *k = FOO_GET_CLASS(opaque);` looks up the class: not a view of the instance.
_CLASS_LOOKUP = re.compile(r"=\s*\w+_GET_CLASS\s*\(")


_CAST_EXPR = re.compile(r"\(\s*(?:const\s+)?(?:struct\s+)?(\w+)\s*\*\s*\)\s*(\w+)")


_RETURN = re.compile(r"\breturn\b([^;]*);")


_MEMBER_READ = re.compile(r"(?:\b\w+|\))\s*->\s*(\w+(?:\s*(?:\.|->)\s*\w+)*)")


# `FooState *s = FOO(dev);`, `struct bar *b;` at the start of a statement (not a cast).
_POINTER_DECL = re.compile(
    r"(?:^|[;{}])\s*(?:const\s+)?((?:struct\s+)?[A-Za-z_]\w*)\s*\*\s*(?:const\s+)?"
    r"([A-Za-z_]\w*)\s*(?:=|;|,)"
)
_NOT_TYPES = frozenset({"return", "else", "case", "goto", "sizeof", "do"})


def function_infos(ctx: Ctx, out: Out, vmsds: list[Vmsd]) -> tuple[FunctionInfo, ...]:
    """FunctionInfo for every function of this file that a vmsd names as hook or _TEST, and
    for every function holding a call the rules look at (out.calls)."""
    wanted: list[str] = []
    for v in vmsds:
        wanted.extend(fn for _m, fn in v.hooks)
        wanted.extend(f.test for f in v.fields if f.test)
    wanted.extend(c.function for c in out.calls if c.function)
    res: list[FunctionInfo] = []
    for name in dict.fromkeys(wanted):
        node = out.function_nodes.get(name)
        if node is not None:
            res.append(_function_info(ctx, name, node))
    return tuple(res)


def _function_info(ctx: Ctx, name: str, node: ts.Node) -> FunctionInfo:
    params = param_list(ctx, node)
    pnames = {p for _t, p in params if p}
    body_n = node.child_by_field_name("body")
    casts: list[tuple[str, str, int]] = []
    returns: list[str] = []
    reads: list[str] = []
    decls: list[tuple[str, str]] = []
    if body_n is not None:
        body = cscan.strip_comments(ctx.text(body_n))
        base = body_n.start_point.row + 1
        for rx in (_CAST_DECL, _CAST_EXPR):
            for m in rx.finditer(body):
                target, src = m.group(1), m.group(2)
                if _CLASS_LOOKUP.search(m.group(0)):
                    continue
                if src in pnames and target not in ("void", "char"):
                    c = (src, target, line_of(body, m.start(), base))
                    if c not in casts:
                        casts.append(c)
        casts.sort(key=lambda c: c[2])
        returns = [cscan.norm(m.group(1)) for m in _RETURN.finditer(body) if m.group(1).strip()]
        reads = list(
            dict.fromkeys(re.sub(r"\s+", "", m.group(1)) for m in _MEMBER_READ.finditer(body))
        )
        decls = list(dict.fromkeys(
            (cscan.norm(m.group(1)), m.group(2)) for m in _POINTER_DECL.finditer(body)
            if m.group(1) not in _NOT_TYPES
        ))  # fmt: skip
    return FunctionInfo(
        name=name,
        line=node.start_point.row + 1,
        end_line=node.end_point.row + 1,
        params=params,
        casts=tuple(casts),
        returns=tuple(returns),
        member_reads=tuple(reads),
        decls=tuple(decls),
    )
