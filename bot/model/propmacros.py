"""DEFINE_PROP_* entries inside a function-like macro body (`#define X_PROPERTIES(_s, _c)
DEFINE_PROP_BIT("edid", _s, _c.flags, ..., false), ...`): the properties every Property
array that uses the macro gets."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import cscan
from bot.model.macros import PROP_MACROS, prop_spec


@dataclass(frozen=True, slots=True)
class MacroProp:
    """One DEFINE_PROP_* entry of a macro body (its arguments as written, parameters kept)."""

    macro: str
    name_expr: str
    name: str | None  # the string literal, without quotes
    default: str | None
    bit: str | None


def props_in_macro(raw: str) -> tuple[MacroProp, ...]:
    """The DEFINE_PROP_* entries of a macro body, in order (nested macros are not expanded)."""
    out: list[MacroProp] = []
    for _off, piece in cscan.split_top(cscan.strip_comments(raw.replace("\\\n", " "))):
        call = cscan.parse_call(piece.strip())
        if call is None:
            continue
        if not call.name.startswith("DEFINE_PROP_") and call.name not in PROP_MACROS:
            continue
        if call.name == "DEFINE_PROP_END_OF_LIST":
            continue
        spec = prop_spec(call.name)
        args = call.args
        name_expr = cscan.norm(args[0]) if args else ""
        literal = (
            name_expr[1:-1] if len(name_expr) > 1 and name_expr[0] == name_expr[-1] == '"' else None
        )
        out.append(
            MacroProp(
                macro=call.name,
                name_expr=name_expr,
                name=literal,
                default=cscan.norm(args[spec.default])
                if spec.default is not None and spec.default < len(args)
                else None,
                bit=cscan.norm(args[spec.bit])
                if spec.bit is not None and spec.bit < len(args)
                else None,
            )
        )
    return tuple(out)
