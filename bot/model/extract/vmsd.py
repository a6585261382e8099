"""VMStateDescription initializers and VMStateField lists."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.model import cscan
from bot.model.entities import Vmsd, VmstateField
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.macros import interpret_field

_VMSD_HOOKS = (
    "needed",
    "pre_save",
    "post_save",
    "pre_load",
    "post_load",
    "pre_save_errp",
    "post_save_errp",
    "pre_load_errp",
    "post_load_errp",
    "dev_unplug_pending",
)


_END_OF_LIST = re.compile(r"^\s*VMSTATE_END_OF_LIST\s*\(\s*\)\s*$")


def ptr_list(text: str, needed: dict[str, str] | None = None) -> tuple[str, ...]:
    """C names in a `{ &a, &b, NULL }` initializer, or in the `VMStateSubsection[]` form of
    QEMU before 2.5, `{ { .vmsd = &a, .needed = f }, { /* empty */ } }`: there the `.needed`
    of each entry is recorded in `needed` (subsection C name -> function)."""
    return ptr_list_terminated(text, needed)[0]


def ptr_list_terminated(
    text: str, needed: dict[str, str] | None = None
) -> tuple[tuple[str, ...], bool]:
    """ptr_list(), and whether the list ends with its terminator (NULL / 0 / an empty entry)."""
    body = cscan.brace_body(text)
    if body is None:
        return (), True
    res: list[str] = []
    terminated = False
    for _, piece in cscan.split_top(cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]):
        if not piece.strip():
            continue
        entry = cscan.brace_body(piece)
        if entry is not None:
            members = {m: cscan.norm(v) for _, m, v in cscan.designated_members(entry[1])}
            ident = cscan.ident_or_none(cscan.strip_casts(members.get("vmsd", "")))
            fn = cscan.ident_or_none(members.get("needed", ""))
            if ident is not None and fn is not None and needed is not None:
                needed.setdefault(ident, fn)
            terminated = ident is None or ident in ("NULL", "0")
            if not terminated and ident is not None:
                res.append(ident)
            continue
        s = cscan.strip_casts(piece)
        if _END_OF_LIST.match(s):  # `VMSTATE_END_OF_LIST()` ends the VMStateSubsection[] form
            terminated = True
            continue
        ident = cscan.ident_or_none(s)
        terminated = ident in ("NULL", "0") or s.strip() in ("NULL", "0")
        if ident is None or ident in ("NULL", "0"):
            continue
        res.append(ident)
    return tuple(res), terminated


def parse_vmsd(
    ctx: Ctx, c_name: str, vtext: str, vline: int, line: int, end_line: int
) -> Vmsd | None:
    """A Vmsd from the text of its initializer, or None when it has no braces."""
    body = cscan.brace_body(vtext)
    if body is None:
        return None
    boff, btext = body
    name_expr: str | None = None
    version: int | None = None
    version_expr: str | None = None
    min_version: int | None = None
    min_expr: str | None = None
    fields: tuple[VmstateField, ...] = ()
    fields_array: str | None = None
    subsections: tuple[str, ...] = ()
    n_subs = 0
    subs_terminated = True
    hooks: list[tuple[str, str]] = []
    unmigratable = False
    priority: str | None = None
    clean = cscan.strip_comments(btext)
    members: set[str] = set()
    for off, member, value in cscan.designated_members(clean):
        members.add(member)
        vnorm = cscan.norm(value)
        if member == "name":
            name_expr = vnorm
        elif member == "version_id":
            version, version_expr = _int_and_expr(ctx, vnorm)
        elif member == "minimum_version_id":
            min_version, min_expr = _int_and_expr(ctx, vnorm)
        elif member == "fields":
            inner = cscan.brace_body(value)
            if inner is not None:
                fline = line_of(vtext, boff + off + inner[0], vline)
                fields = parse_fields(
                    ctx, btext[off + inner[0] : off + inner[0] + len(inner[1])], fline
                )
            else:
                fields_array = cscan.ident_or_none(cscan.strip_casts(vnorm)) or vnorm
        elif member == "subsections":
            n_subs += 1
            if "{" in value:
                subsections, subs_terminated = ptr_list_terminated(value, ctx.subsection_needed)
            else:
                ref = cscan.ident_or_none(cscan.strip_casts(vnorm))
                subsections = ("@" + ref,) if ref else ()
        elif member in _VMSD_HOOKS:
            fn = cscan.ident_or_none(vnorm)
            hooks.append((member, fn if fn is not None else vnorm))
        elif member == "unmigratable":
            unmigratable = vnorm not in ("0", "false")
        elif member == "priority":
            priority = vnorm
    # an absent .version_id / .minimum_version_id is 0 (static storage is zero-initialised)
    if "version_id" not in members:
        version = 0
    if "minimum_version_id" not in members:
        min_version = 0
    name = ctx.resolve(name_expr)
    return Vmsd(
        c_name=c_name,
        name=name,
        name_expr=name_expr,
        version_id=version,
        minimum_version_id=min_version,
        fields=fields,
        subsections=subsections,
        subsections_initializers=n_subs,
        hooks=tuple(hooks),
        unmigratable=unmigratable,
        priority=priority,
        line=line,
        end_line=end_line,
        fields_array=fields_array,
        version_expr=version_expr,
        minimum_version_expr=min_expr,
        subsections_terminated=subs_terminated,
    )


def _int_and_expr(ctx: Ctx, text: str) -> tuple[int | None, str | None]:
    v = cscan.eval_int(text, ctx.lookup_int)
    if v is not None and cscan.is_int_literal(text):
        return v, None
    return v, text


def parse_fields(ctx: Ctx, body: str, base_line: int) -> tuple[VmstateField, ...]:
    """Parse the entries of a VMStateField list (text between the braces)."""
    clean, directives = cscan.strip_preproc_lines(cscan.strip_comments(body))
    table = ctx.table
    out: list[VmstateField] = []
    for off, piece in cscan.split_top(clean):
        s = piece.strip()
        if not s:
            continue
        lead = len(piece) - len(piece.lstrip())
        line = line_of(body, off + lead, base_line)
        cond = _open_conditional(directives, off + lead)
        if s.startswith("{"):
            inner = cscan.brace_body(s)
            members = tuple(
                (m, cscan.norm(v))
                for _, m, v in cscan.designated_members(inner[1] if inner else "")
            )
            facts = interpret_field(
                "<inline>", (), {"<inline>": (None, members)}, ctx.lookup_int, bare=True
            )
            macro = "<initializer>"
            args: tuple[str, ...] = (cscan.norm(s),)
        else:
            call = cscan.parse_call(s)
            if call is None:
                continue
            macro, args = call.name, call.args
            if table is not None:
                facts = interpret_field(
                    macro, args, table, ctx.lookup_int, bare=not call.has_parens
                )
            else:
                facts = interpret_field(
                    macro, args, int_lookup=ctx.lookup_int, bare=not call.has_parens
                )
        flags = facts.flags + (("ifdef",) if cond else ())
        if facts.info == "unknown" and not macro.startswith("VMSTATE_"):
            flags += ("not_vmstate_macro",)
        out.append(
            VmstateField(
                macro=macro,
                args=args,
                name=facts.name,
                c_field=facts.c_field,
                struct=facts.struct,
                version_id=facts.version_id,
                test=facts.test,
                vmsd_ref=facts.vmsd_ref,
                info=facts.info,
                elem_size=facts.elem_size,
                count=facts.count,
                count_value=facts.count_value,
                line=line,
                flags=flags,
            )
        )
    return tuple(out)


def _open_conditional(directives: list[tuple[int, str]], offset: int) -> bool:
    depth = 0
    for pos, d in directives:
        if pos >= offset:
            break
        word = d[1:].strip().split(" ", 1)[0]
        if word.startswith("if"):
            depth += 1
        elif word == "endif":
            depth = max(0, depth - 1)
    return depth > 0


def finish_vmsds(ctx: Ctx, out: Out) -> list[Vmsd]:
    """Vmsds with `.fields = array` and `.subsections = array` references filled in."""
    res: list[Vmsd] = []
    for v in out.vmsds:
        fn = ctx.subsection_needed.get(v.c_name)
        if fn is not None and v.hook("needed") is None:
            # `.needed` given in the parent's old-style VMStateSubsection entry: the same
            # thing on the wire as `.needed` in the subsection's own vmsd.
            v = replace(v, hooks=(*v.hooks, ("needed", fn)))
        if v.fields_array is not None and not v.fields and v.fields_array in out.field_arrays:
            v = replace(v, fields=out.field_arrays[v.fields_array][0])
        if len(v.subsections) == 1 and v.subsections[0].startswith("@"):
            ref = v.subsections[0][1:]
            v = replace(v, subsections=out.subsection_arrays.get(ref, ()))
            if ref not in out.subsection_arrays:
                ctx.notes.append(f"{v.c_name}: .subsections = {ref} not defined in this file")
        res.append(v)
    res.sort(key=lambda v: v.line)
    return res
