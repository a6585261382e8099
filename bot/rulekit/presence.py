"""Presence predicates (`.needed`, `_TEST`) that keep the old answer: a `.needed` widened
by a property-gated disjunct, a `_TEST` that asks what the old `.needed` asked."""

from __future__ import annotations

import re

from bot.model.cscan import unparen
from bot.model.entities import FileModel

_CALL = re.compile(r"^([A-Za-z_]\w*)\s*\((.*)\)$", re.S)
_MEMBER = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)")
# longest return expression read: series text is untrusted and the paren stripping is
# linear per level; real `.needed`/`_TEST` returns are a line or two
_MAX_EXPR = 400


def or_terms(expr: str) -> list[str]:
    """The operands of the top-level `||` chain of `expr` (one term when there is none)."""
    e = unparen(expr)
    terms: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(e):
        ch = e[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and e.startswith("||", i):
            terms.append(unparen(e[start:i]))
            start = i + 2
            i += 1
        i += 1
    terms.append(unparen(e[start:]))
    return terms


def calls_only(expr: str, fn: str) -> bool:
    """`expr` is a call of `fn` and nothing else (`ais_needed(opaque)`)."""
    m = _CALL.match(unparen(expr))
    return m is not None and m.group(1) == fn and "(" not in m.group(2)


def _returns(model: FileModel | None, fn: str) -> tuple[str, ...] | None:
    if model is None:
        return None
    for fi in model.function_infos:
        if fi.name == fn:
            if any(len(r) > _MAX_EXPR for r in fi.returns):
                return None  # too long to be a plain predicate: not read
            return fi.returns or None
    return None


def _gate(expr: str, model: FileModel | None, props: set[str], depth: int) -> str | None:
    """The property member that `expr` tests, read directly or through a predicate of the
    file that reads only property members (`full_state_needed(opaque)` returning
    `s->migrate_all_state`); None when some part of it tests anything else."""
    m = _CALL.match(expr)
    if m is not None and "(" not in m.group(2):
        rets = _returns(model, m.group(1)) if depth < 2 else None
        if not rets:
            return None
        gates = [_gate(unparen(r), model, props, depth + 1) for r in rets]
        return gates[0] if gates and all(g is not None for g in gates) else None
    members: list[str] = _MEMBER.findall(expr)
    if members and all(mb in props for mb in members) and "(" not in expr:
        return members[0]
    return None


def widened_needed(
    new_model: FileModel | None, old_fn: str, new_fn: str, props: set[str]
) -> str | None:
    """The property member of a `.needed` switched from `old_fn` to `new_fn` when every
    return of `new_fn` is `old_fn(...) || <tests of boolean properties only>`: the
    subsection is still sent whenever older QEMU sent it, and only more where the property
    is on, which the previous release's compat array can turn off."""
    rets = _returns(new_model, new_fn)
    if not rets:
        return None
    gate: str | None = None
    for r in rets:
        terms = or_terms(r)
        if len(terms) < 2 or not any(calls_only(t, old_fn) for t in terms):
            return None
        for t in terms:
            if calls_only(t, old_fn):
                continue
            g = _gate(t, new_model, props, 0)
            if g is None:
                return None
            gate = gate or g
    return gate


def asks_old_needed(new_model: FileModel | None, test_fn: str, old_needed: str) -> bool:
    """A `_TEST` predicate whose every return only calls the `.needed` the vmsd had before:
    the field is present exactly when older QEMU sent the subsection."""
    if test_fn == old_needed:
        return True
    rets = _returns(new_model, test_fn)
    return bool(rets) and all(calls_only(r, old_needed) for r in rets or ())
