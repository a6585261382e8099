"""Heap allocations stored into struct members (`s->buf = g_new0(uint8_t, n);`).

A VMS_POINTER field (VMSTATE_VARRAY_*, VMSTATE_VBUFFER*) dereferences the member when it is
saved; whether realize allocates it always or only under a condition is a fact rules need.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import Allocation
from bot.model.extract.context import Ctx
from bot.model.extract.queries import call_named_at
from bot.model.extract.syntax import where

_ALLOC_RE = re.compile(rb"\b(g_(?:new0|new|malloc0|malloc|malloc0_n|malloc_n|renew))\s*\(")
_MEMBER = re.compile(r"(?:->|\.)\s*(\w+)\s*(?:\[[^\]]*\]\s*)?$")


def allocations(ctx: Ctx, root: ts.Node) -> tuple[Allocation, ...]:
    """Every `lhs = g_new0(...)`-style assignment whose left side is a struct member."""
    data = ctx.data
    if b"g_" not in data:
        return ()
    out: list[Allocation] = []
    for m in _ALLOC_RE.finditer(data):
        call = call_named_at(root, m.start(1), m.end(1))
        if call is None:
            continue
        p = call.parent
        while p is not None and p.type in ("cast_expression", "parenthesized_expression"):
            p = p.parent
        if p is None or p.type != "assignment_expression":
            continue
        left = p.child_by_field_name("left")
        if left is None:
            continue
        target = re.sub(r"\s+", "", cscan.strip_comments(ctx.text(left)))
        mm = _MEMBER.search(target)
        if mm is None:
            continue
        w = where(ctx, p)
        out.append(
            Allocation(
                target=target,
                member=mm.group(1),
                function=w.function,
                conditional=w.conditional,
                condition=w.condition,
                line=p.start_point.row + 1,
            )
        )
    return tuple(out)
