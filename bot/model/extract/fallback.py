"""Text fallbacks: definitions tree-sitter lost in ERROR nodes, and definitions generated
by a file-local macro (`SPAPR_CAP_MIG_STATE(htm, X);`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from bot.model import cscan
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.extract.properties import read_compat, read_props
from bot.model.extract.typeinfo import interfaces_from, read_typeinfo
from bot.model.extract.vmsd import parse_fields, parse_vmsd

FALLBACK_KINDS = (
    "VMStateDescription",
    "TypeInfo",
    "GlobalProperty",
    "Property",
    "VMStateField",
    "InterfaceInfo",
)


_FALLBACK_DEFS = tuple(
    (k, re.compile("(" + k + r")[ \t]+(\w+)\s*(\[\s*\w*\s*\])?\s*=\s*\{")) for k in FALLBACK_KINDS
)


def fallback_scan(ctx: Ctx, text: str, out: Out) -> None:
    """Definitions tree-sitter lost inside ERROR nodes (or glued to a preceding macro call
    without `;`, e.g. `DEFINE_TYPES(x)`): regex + brace matching on the text."""
    clean: str | None = None
    for m in fallback_hits(text):
        kind, name, arr = m.group(1), m.group(2), m.group(3)
        if (kind, name) in out.seen_names:
            continue
        st = m.start(1)
        if st > 0 and (text[st - 1].isalnum() or text[st - 1] == "_"):
            continue
        if kind == "VMStateDescription" and arr:
            continue
        if kind in ("GlobalProperty", "Property", "VMStateField", "InterfaceInfo") and not arr:
            continue
        if clean is None:
            clean = cscan.strip_comments(text)
        if clean[m.start() : m.end()] != text[m.start() : m.end()]:
            continue  # the match was inside a comment
        brace = m.end() - 1
        close = cscan.match_close(text, brace)
        vtext = text[brace : close + 1]
        line = line_of(text, m.start(1), 1)
        vline = line_of(text, brace, 1)
        end_line = line_of(text, close, 1)
        out.seen_names.add((kind, name))
        if kind == "VMStateDescription":
            v = parse_vmsd(ctx, name, vtext, vline, line, end_line)
            if v is not None and name not in out.vmsd_names:
                out.vmsd_names.add(name)
                lstart = text.rfind("\n", 0, m.start()) + 1
                out.vmsds.append(replace(v, is_static="static" in text[lstart : m.start()]))
        elif kind == "TypeInfo":
            read_typeinfo(ctx, name, bool(arr), vtext, vline, out)
        elif kind == "GlobalProperty":
            func = out.function_at(line)
            read_compat(ctx, name, vtext, vline, end_line, func, out)
        elif kind == "Property":
            read_props(ctx, name, vtext, vline, out)
        elif kind == "VMStateField":
            body = cscan.brace_body(vtext)
            if body is not None:
                out.field_arrays[name] = (
                    parse_fields(ctx, body[1], line_of(vtext, body[0], vline)),
                    vline,
                )
        elif kind == "InterfaceInfo":
            out.interface_arrays[name] = interfaces_from(ctx, vtext)
        ctx.notes.append(f"{kind} {name}: read by text fallback (line {line})")


def fallback_hits(text: str) -> Iterator[re.Match[str]]:
    """Regex matches of special-type definitions (`VMStateDescription x = {` ...) in text."""
    for kind, rx in _FALLBACK_DEFS:
        if kind in text:
            yield from rx.finditer(text)


def expand_generator_macros(ctx: Ctx, text: str, out: Out) -> None:
    """Definitions produced by invocations of a file-local macro whose body defines one."""
    clean = text  # comments already blanked by the caller
    for name, (params, body) in ctx.local_funcs.items():
        if "VMStateDescription" not in body and "TypeInfo" not in body:
            continue
        for m in re.finditer(r"^[ \t]*" + re.escape(name) + r"\s*\(", clean, re.M):
            close = cscan.match_close(clean, m.end() - 1)
            inner = clean[m.end() : close]
            args = cscan.split_args(inner) if inner.strip() else ()
            if len(args) != len(params):
                continue
            exp = cscan.substitute(body, params, args)
            line = line_of(clean, m.start(), 1)
            for hit in fallback_hits(exp):
                kind, cname, arr = hit.group(1), hit.group(2), hit.group(3)
                if (kind, cname) in out.seen_names:
                    continue
                brace = hit.end() - 1
                vtext = exp[brace : cscan.match_close(exp, brace) + 1]
                out.seen_names.add((kind, cname))
                if kind == "VMStateDescription" and not arr:
                    v = parse_vmsd(ctx, cname, vtext, line, line, line)
                    if v is not None:
                        out.vmsd_names.add(cname)
                        pre = exp[: hit.start()].rsplit(";", 1)[-1].rsplit("}", 1)[-1]
                        out.vmsds.append(replace(v, is_static="static" in pre))
                elif kind == "TypeInfo":
                    read_typeinfo(ctx, cname, bool(arr), vtext, line, out)
                else:
                    continue
                ctx.notes.append(f"{kind} {cname}: generated by {name}() at line {line}")
