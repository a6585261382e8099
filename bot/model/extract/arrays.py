"""Other static initializer arrays (CPU model tables, PCI id tables ...)."""

from __future__ import annotations

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import InitializerArray
from bot.model.extract.context import Ctx, Out
from bot.model.extract.queries import SPECIAL_TYPES
from bot.model.extract.syntax import decl_parts

_SKIP_ARRAY_TYPES = frozenset(
    (*SPECIAL_TYPES, "char", "int", "unsigned", "uint8_t", "uint16_t", "uint32_t", "uint64_t")
)


def read_generic_array(ctx: Ctx, decl: ts.Node, out: Out) -> None:
    """Record a static array of struct initializers that no other reader handles."""
    if decl.id in out.seen_decls:
        return
    for d in decl.children_by_field_name("declarator"):
        if d.type == "init_declarator":
            target = d.child_by_field_name("declarator")
            value = d.child_by_field_name("value")
            if (
                target is not None
                and target.type == "array_declarator"
                and value is not None
                and value.type == "initializer_list"
            ):
                break
    else:
        return
    tnode = decl.child_by_field_name("type")
    if tnode is None:
        return
    ttext = cscan.norm(ctx.text(tnode))
    if ttext in _SKIP_ARRAY_TYPES or ttext.startswith("VMState") or "(" in ttext:
        return
    for name, is_array, value in decl_parts(ctx, decl):
        if not is_array or value.type != "initializer_list":
            continue
        # a comment right after `{` (`= { /* note */`) is a named child too: skip it
        first = next((c for c in value.named_children if c.type != "comment"), None)
        if first is None or first.type not in ("initializer_list", "initializer_pair"):
            continue
        if first.type == "initializer_pair" and not any(
            c.type == "subscript_designator" for c in first.children
        ):
            continue
        text = cscan.norm(cscan.strip_comments(ctx.text(value)))
        out.arrays.append(
            InitializerArray(
                name=name,
                struct_type=ttext,
                text=text,
                line=decl.start_point.row + 1,
                end_line=decl.end_point.row + 1,
            )
        )
