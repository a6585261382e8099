"""Struct look-ups for rules: the unit's changed files first, then the whole tree."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine.spec import RuleContext
from bot.model.entities import StructDef
from bot.model.layout import IntLookup, StructLookup, type_key
from bot.rulekit.ctx import Side, models, tree


def struct_lookup(ctx: RuleContext, side: Side) -> StructLookup:
    """name -> StructDef on one side: a changed file's definition wins over the tree's."""
    local: dict[str, StructDef] = {}
    for _path, fm in models(ctx, side):
        for sd in fm.structs:
            for name in (sd.name, *sd.aliases):
                local.setdefault(name, sd)
    t = tree(ctx, side)

    def look(name: str) -> StructDef | None:
        key = type_key(name)
        got = local.get(key)
        if got is None and t is not None:
            got = t.struct(key)
        return got

    return look


def int_lookup(ctx: RuleContext, side: Side, path: str | None = None) -> IntLookup:
    """Integer value of a macro on one side (the unit's #defines, then the tree's)."""
    from bot.model import cscan

    raw: dict[str, str] = {}
    for _p, fm in models(ctx, side):
        for d in fm.defines:
            raw.setdefault(d.name, d.raw)
    t = tree(ctx, side)

    def look(name: str, depth: int = 0) -> int | None:
        body = raw.get(name)
        if body is None and t is not None:
            cands = t.defines.raw(name)
            bodies = {b for _p, b in cands}
            if len(bodies) == 1:
                body = next(iter(bodies))
        if body is None or depth > 8:
            return None
        return cscan.eval_int(body, lambda n: look(n, depth + 1))

    return look


_IDENT = re.compile(r"(?:struct\s+|union\s+)?([A-Za-z_]\w*)")


def struct_canon(ctx: RuleContext, side: Side) -> Callable[[str], str]:
    """name -> the struct it denotes on one side: `#define A B` aliases followed (the unit's
    #defines, then the tree's), then typedef names mapped to their struct's name; a name
    nothing is known of stays itself. Two spellings of one struct compare equal."""
    raw: dict[str, str] = {}
    for _p, fm in models(ctx, side):
        for d in fm.defines:
            raw.setdefault(d.name, d.raw)
    t = tree(ctx, side)
    look = struct_lookup(ctx, side)

    def alias(name: str) -> str | None:
        body = raw.get(name)
        if body is None and t is not None:
            bodies = {b for _p, b in t.defines.raw(name)}
            body = next(iter(bodies)) if len(bodies) == 1 else None
        m = _IDENT.fullmatch((body or "").strip())
        return m.group(1) if m else None

    def canon(name: str) -> str:
        key = type_key(name)
        for _ in range(8):
            nxt = alias(key)
            if nxt is None or nxt == key:
                break
            key = nxt
        sd = look(key)
        return type_key(sd.name) if sd is not None and sd.name else key

    return canon
