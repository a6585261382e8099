"""DEFINE_PROP_* Property arrays and GlobalProperty compat arrays."""

from __future__ import annotations

import re

from bot.model import cscan
from bot.model.entities import CompatArray, CompatEntry, Property
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.globalprop import global_property
from bot.model.macros import PROP_MACROS, prop_spec


def read_props(ctx: Ctx, array: str, vtext: str, line: int, out: Out) -> None:
    """Property entities of one `Property x[] = {...}` array."""
    body = cscan.brace_body(vtext)
    if body is None:
        return
    base = line_of(vtext, body[0], line)
    clean = cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]
    for off, piece in cscan.split_top(clean):
        s = piece.strip()
        if not s:
            continue
        pline = line_of(body[1], off + len(piece) - len(piece.lstrip()), base)
        call = cscan.parse_call(s)
        if call is None:
            continue
        if call.name == "DEFINE_PROP_END_OF_LIST":
            continue
        args = call.args
        if not call.name.startswith("DEFINE_PROP_") and call.name not in PROP_MACROS:
            out.properties.append(
                Property(array, call.name, None, cscan.norm(s), None, None, None, pline)
            )
            continue
        spec = prop_spec(call.name)
        name_expr = args[0] if args else ""
        default = (
            args[spec.default] if spec.default is not None and spec.default < len(args) else None
        )
        bit = args[spec.bit] if spec.bit is not None and spec.bit < len(args) else None
        out.properties.append(
            Property(
                array=array,
                macro=call.name,
                name=ctx.resolve(name_expr),
                name_expr=name_expr,
                struct=args[1] if len(args) > 1 else None,
                c_field=args[2] if len(args) > 2 else None,
                default=default,
                line=pline,
                bit=bit,
            )
        )


_COMPAT_VERSION = re.compile(r"(\d+)_(\d+)(?!.*\d+_\d+)")


def read_compat(
    ctx: Ctx, name: str, vtext: str, line: int, end_line: int, func: str | None, out: Out
) -> None:
    """A CompatArray of one `GlobalProperty x[] = {...}` array (version from its name)."""
    body = cscan.brace_body(vtext)
    if body is None:
        return
    base = line_of(vtext, body[0], line)
    clean = cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]
    entries: list[CompatEntry] = []
    for off, piece in cscan.split_top(clean):
        inner = cscan.brace_body(piece)
        if inner is None or not inner[1].strip():
            continue
        eline = line_of(body[1], off + piece.find("{"), base)
        g = global_property(inner[1])
        drv, prop, val, optional = g.driver, g.property, g.value, g.optional
        entries.append(
            CompatEntry(
                driver=ctx.resolve(drv),
                driver_expr=drv,
                property=ctx.resolve(prop),
                property_expr=prop,
                value=ctx.resolve(val),
                value_expr=val,
                line=eline,
                optional=optional,
            )
        )
    full = f"{func}:{name}" if func else name
    vm = _COMPAT_VERSION.search(name) or (_COMPAT_VERSION.search(func) if func else None)
    version = (int(vm.group(1)), int(vm.group(2))) if vm else None
    out.compat.append(CompatArray(full, tuple(entries), line, end_line, version))
