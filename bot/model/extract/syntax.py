"""tree-sitter node helpers: enclosing function and condition, declarators, parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter as ts

from bot.model import cscan
from bot.model.extract.context import Ctx

_LOOPS = frozenset({"for_statement", "while_statement", "do_statement"})


def function_name(ctx: Ctx, node: ts.Node) -> str | None:
    """The name a function definition declares, if any."""
    d = node.child_by_field_name("declarator")
    while d is not None:
        if d.type == "function_declarator":
            inner = d.child_by_field_name("declarator")
            if inner is None:
                return None
            if inner.type in ("identifier", "field_identifier"):
                return ctx.text(inner)
            d = inner
            continue
        if d.type in ("identifier",):
            return ctx.text(d)
        if d.type == "parenthesized_declarator":
            # `POWERPC_FAMILY(POWER8)(ObjectClass *oc, void *data) { ... }`: a macro that
            # makes the name; named after both so each family's class_init is its own
            ident = next((c for c in d.children if c.type == "identifier"), None)
            head = node.child_by_field_name("type")
            if ident is None or head is None or head.type != "type_identifier":
                return None
            return f"{ctx.text(head)}_{ctx.text(ident)}"
        d = d.child_by_field_name("declarator")
    return None


@dataclass(frozen=True, slots=True)
class Where:
    """Where a node sits in its function: name, inside a loop, under a condition."""

    function: str | None
    in_loop: bool
    conditional: bool
    condition: str | None
    loop_bound: str | None = None  # `N` of the innermost `for (...; i < N; ...)`


_BOUND = re.compile(r"^\w+\s*(<|<=)\s*(.+)$")


def _loop_bound(ctx: Ctx, loop: ts.Node) -> str | None:
    """The bound of a counting for loop (`i < N` -> "N", `i <= N` -> "N + 1")."""
    if loop.type != "for_statement":
        return None
    c = loop.child_by_field_name("condition")
    if c is None:
        return None
    m = _BOUND.match(cscan.unparen(cscan.norm(ctx.text(c))))
    if m is None:
        return None
    return m.group(2) if m.group(1) == "<" else f"{m.group(2)} + 1"


def where(ctx: Ctx, node: ts.Node) -> Where:
    """The enclosing function, loop and innermost condition of a node."""
    in_loop = False
    bound: str | None = None
    cond: str | None = None
    conditional = False
    child = node
    p = node.parent
    func: str | None = None
    while p is not None:
        t = p.type
        if t in _LOOPS:
            if not in_loop:
                bound = _loop_bound(ctx, p)
            in_loop = True
        elif t == "if_statement":
            c = p.child_by_field_name("condition")
            alt = p.child_by_field_name("alternative")
            if c is not None and child.id != c.id:
                conditional = True
                if cond is None:
                    ctext = cscan.unparen(cscan.norm(ctx.text(c)))
                    if alt is not None and child.id == alt.id:
                        ctext = f"!({ctext})"
                    cond = ctext
        elif t == "switch_statement":
            c = p.child_by_field_name("condition")
            conditional = True
            if cond is None and c is not None:
                cond = "switch " + cscan.norm(ctx.text(c))
        elif t == "case_statement":
            conditional = True
            if cond is None:
                v = p.child_by_field_name("value")
                cond = "case " + (cscan.norm(ctx.text(v)) if v is not None else "default")
        elif t == "conditional_expression":
            c = p.child_by_field_name("condition")
            if c is not None and child.id != c.id:
                conditional = True
                if cond is None:
                    cond = cscan.norm(ctx.text(c))
        elif t == "function_definition":
            func = function_name(ctx, p)
            break
        child = p
        p = p.parent
    return Where(func, in_loop, conditional, cond, bound)


def decl_parts(ctx: Ctx, decl: ts.Node) -> Iterator[tuple[str, bool, ts.Node]]:
    """(declared name, is_array, value node) for each `x = value` of a declaration."""
    for d in decl.children_by_field_name("declarator"):
        if d.type != "init_declarator":
            continue
        target = d.child_by_field_name("declarator")
        value = d.child_by_field_name("value")
        if target is None or value is None:
            continue
        is_array = False
        while target is not None and target.type in (
            "array_declarator",
            "pointer_declarator",
            "parenthesized_declarator",
        ):
            if target.type == "array_declarator":
                is_array = True
            target = target.child_by_field_name("declarator") or (
                target.named_children[0] if target.named_children else None
            )
        if target is None or target.type != "identifier":
            continue
        yield ctx.text(target), is_array, value


def is_static(ctx: Ctx, decl: ts.Node) -> bool:
    """Whether a declaration has `static` storage."""
    return any(
        c.type == "storage_class_specifier" and ctx.text(c) == "static" for c in decl.children
    )


def param_list(ctx: Ctx, node: ts.Node) -> tuple[tuple[str, str], ...]:
    """(type, name) of each parameter of a function definition."""
    d = node.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    if d is None:
        return ()
    plist = d.child_by_field_name("parameters")
    if plist is None:
        return ()
    out: list[tuple[str, str]] = []
    for p in plist.named_children:
        if p.type != "parameter_declaration":
            continue
        text = cscan.norm(cscan.strip_comments(ctx.text(p)))
        m = re.search(r"(\w+)\s*(\[[^\]]*\])?$", text)
        if m is None or text == "void":
            continue
        pname = m.group(1)
        ptype = text[: m.start()].strip()
        if not ptype:
            ptype, pname = pname, ""
        ptype = re.sub(r"\s*\*", " *", ptype).replace("* *", "**").strip()
        out.append((ptype, pname))
    return tuple(out)
