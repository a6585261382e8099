"""What class_init-like functions bind: `dc->vmsd = &x` assignments, legacy_vmsd in
SysemuCPUOps, the `.qdev.vmsd` of the qdev info structs of QEMU before 1.1, and helpers a
class_init calls with its class."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import CallSite, ClassInit
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.extract.syntax import decl_parts, param_list, where


class _Assign(NamedTuple):
    """`member = value` inside a function (`dc->vmsd = &x`, `dc->props = arr`)."""

    function: str
    member: str  # left side without spaces: "dc->vmsd"
    value: str  # right side, whitespace-normalised
    line: int


def _assignment(ctx: Ctx, a: ts.Node) -> _Assign | None:
    """A plain `=` assignment inside a function, else None."""
    left = a.child_by_field_name("left")
    right = a.child_by_field_name("right")
    op = a.child_by_field_name("operator")
    if left is None or right is None or (op is not None and ctx.text(op) != "="):
        return None
    w = where(ctx, a)
    if w.function is None:
        return None
    member = cscan.norm(ctx.text(left)).replace(" ", "")
    return _Assign(w.function, member, cscan.norm(ctx.text(right)), a.start_point.row + 1)


def read_vmsd_assigns(ctx: Ctx, assigns: list[ts.Node], out: Out) -> None:
    """ClassInits from `x->vmsd = &v` assignments, merged with the function's props binding."""
    by_func: dict[str, ClassInit] = {
        c.function: c for c in out.class_inits if c.vmsd_member is None and c.vmsd is None
    }
    extra: list[ClassInit] = []
    ops: list[_Assign] = []
    for a in assigns:
        got = _assignment(ctx, a)
        if got is None or _PROPS_MEMBER.search(got.member):
            continue  # props: read by read_props_assigns
        if got.member.endswith(_OPS_MEMBER):
            ops.append(got)
            continue
        function, member, rtext, line = got
        vmsd = cscan.ident_or_none(rtext)
        if vmsd == "NULL":
            vmsd = None
        base = by_func.get(function)
        if base is not None and base.vmsd_member is None:
            upd = replace(base, vmsd=vmsd, vmsd_member=member, vmsd_line=line)
            out.class_inits[out.class_inits.index(base)] = upd
            by_func[function] = upd
        else:
            extra.append(
                ClassInit(
                    function=function,
                    vmsd=vmsd,
                    vmsd_member=member,
                    props=base.props if base is not None else (),
                    line=line,
                    vmsd_line=line,
                )
            )
    out.class_inits.extend(extra)
    for got in ops[:_MAX_OPS_BINDINGS]:
        _bind_sysemu_ops(got, by_func, out)
    out.class_inits.sort(key=lambda c: (c.line, c.vmsd_line or 0))


_OPS_MEMBER = "->sysemu_ops"
# A target's cpu.c assigns its SysemuCPUOps once or twice; a hostile file with thousands of
# assignments binds only the first few (each binding scans the file's ClassInits).
_MAX_OPS_BINDINGS = 8


def _bind_sysemu_ops(got: _Assign, by_func: dict[str, ClassInit], out: Out) -> None:
    """`cc->sysemu_ops = &ops` in class_init F: the ops' `.legacy_vmsd` (read from the
    SysemuCPUOps initializer as a ClassInit named after `ops`) belongs to F's types, as
    `cc->vmsd = &v` did before QEMU 6.1, so it is F's ClassInit now (merged into F's
    props-only one like `dc->vmsd`)."""
    ops = cscan.ident_or_none(got.value)
    if ops is None:
        return
    for ci in [c for c in out.class_inits if c.function == ops and c.vmsd_member is not None]:
        base = by_func.get(got.function)
        i = out.class_inits.index(ci)
        if base is not None and base.vmsd_member is None and base.vmsd is None:
            del out.class_inits[i]
            upd = replace(base, vmsd=ci.vmsd, vmsd_member=ci.vmsd_member, vmsd_line=ci.vmsd_line)
            out.class_inits[out.class_inits.index(base)] = upd
            by_func[got.function] = upd
        else:
            out.class_inits[i] = replace(ci, function=got.function)


_PROPS_MEMBER = re.compile(r"(->|\.)props_?$")


def read_props_assigns(ctx: Ctx, assigns: list[ts.Node], out: Out) -> None:
    """`dc->props = arr` (QEMU before 5.0, `dc->props_` in 5.0): the array is bound like
    device_class_set_props, on the function's props-only ClassInit. Runs before
    read_vmsd_assigns, which merges dc->vmsd into that ClassInit."""
    for a in assigns:
        got = _assignment(ctx, a)
        if got is None or not _PROPS_MEMBER.search(got.member):
            continue
        arr = cscan.ident_or_none(got.value)
        if arr is None or arr == "NULL":
            continue
        base = next(
            (
                c
                for c in out.class_inits
                if c.function == got.function and c.vmsd_member is None and c.vmsd is None
            ),
            None,
        )
        if base is None:
            out.class_inits.append(
                ClassInit(
                    function=got.function, vmsd=None, vmsd_member=None, props=(arr,), line=got.line
                )
            )
        elif arr not in base.props:
            out.class_inits[out.class_inits.index(base)] = replace(base, props=(*base.props, arr))


def read_legacy_vmsd(ctx: Ctx, name: str, vtext: str, line: int, out: Out) -> None:
    """A ClassInit for the `.legacy_vmsd`/`.vmsd` of a SysemuCPUOps initializer."""
    body = cscan.brace_body(vtext)
    if body is None:
        return
    for off, member, value in cscan.designated_members(cscan.strip_comments(body[1])):
        if member in ("legacy_vmsd", "vmsd"):
            out.class_inits.append(
                ClassInit(
                    function=name,
                    vmsd=cscan.ident_or_none(value),
                    vmsd_member=member,
                    props=(),
                    line=line,
                    vmsd_line=line_of(vtext, body[0] + off, line),
                )
            )


def read_qdev_info_vmsds(ctx: Ctx, decl: ts.Node, out: Out) -> None:
    """A ClassInit for each `.qdev.vmsd = &v` of a qdev info struct (`SysBusDeviceInfo`,
    `PCIDeviceInfo`, `ISADeviceInfo` ... and `.vmsd` of a plain `DeviceInfo`): before the QOM
    conversion of 2012 these bound a device's vmsd as `dc->vmsd` does now, and qdev
    registered it for every instance. Its `function` is the struct's C name (`name[i]` for
    an element of an array of them)."""
    t = decl.child_by_field_name("type")
    if t is None or b"vmsd" not in ctx.data[decl.start_byte : decl.end_byte]:
        return
    tname = ctx.text(t)
    if not _QDEV_INFO_TYPE.fullmatch(tname):
        return
    members = ("qdev.vmsd", "vmsd") if tname == "DeviceInfo" else ("qdev.vmsd",)
    for name, is_array, value in decl_parts(ctx, decl):
        vtext = ctx.text(value)
        line = value.start_point.row + 1
        body = cscan.brace_body(vtext)
        if body is None:
            continue
        elems: list[tuple[int | None, int, str]]
        if is_array:
            elems = [
                (i, body[0] + off, piece)
                for i, (off, piece) in enumerate(
                    (o, p) for o, p in cscan.split_top(cscan.strip_comments(body[1])) if p.strip()
                )
            ]
        else:
            elems = [(None, 0, vtext)]
        for idx, base, text in elems:
            inner = cscan.brace_body(text)
            if inner is None:
                continue
            for off, member, mval in cscan.designated_members(cscan.strip_comments(inner[1])):
                vmsd = cscan.ident_or_none(cscan.norm(mval))
                if member not in members or vmsd is None or vmsd in ("NULL", "0"):
                    continue
                vline = line_of(vtext, base + inner[0] + off, line)
                out.class_inits.append(
                    ClassInit(
                        function=name if idx is None else f"{name}[{idx}]",
                        vmsd=vmsd,
                        vmsd_member=member,
                        props=(),
                        line=vline,
                        vmsd_line=vline,
                    )
                )
                break


# `SysBusDeviceInfo`, `PCIDeviceInfo`, `I2CSlaveInfo`, `CCIDCardInfo`, `DeviceInfo` ...
_QDEV_INFO_TYPE = re.compile(r"[A-Za-z0-9_]*Info")


_CALL_IN_BODY = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")


_NOT_CALLS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "typeof"})


def _class_param(ctx: Ctx, node: ts.Node) -> str | None:
    """The `ObjectClass *` parameter name of a class_init-like function, if any."""
    params = param_list(ctx, node)
    if params and params[0][0].replace("const ", "") == "ObjectClass *" and params[0][1]:
        return params[0][1]
    return None


def class_init_helpers(ctx: Ctx, out: Out) -> None:
    """CallSites for calls a class_init makes with its class parameter, and same-file folding
    of the callee's `dc->vmsd` into a caller that sets none itself."""
    if not out.function_nodes or b"ObjectClass" not in ctx.data:
        return
    vmsd_of: dict[str, ClassInit] = {}
    for c in out.class_inits:
        if c.vmsd_member is not None and c.vmsd is not None:
            vmsd_of.setdefault(c.function, c)
    known_calls = {(c.function, c.line, c.call) for c in out.calls}
    folded: list[ClassInit] = []
    for fname, node in out.function_nodes.items():
        decl = node.child_by_field_name("declarator")
        if decl is None or b"ObjectClass" not in ctx.data[decl.start_byte : decl.end_byte]:
            continue
        cls = _class_param(ctx, node)
        body_n = node.child_by_field_name("body")
        if cls is None or body_n is None:
            continue
        body = cscan.strip_comments(ctx.text(body_n))
        if cls not in body:
            continue
        base = body_n.start_point.row + 1
        for m in _CALL_IN_BODY.finditer(body):
            callee = m.group(1)
            if callee in _NOT_CALLS:
                continue
            close = cscan.match_close(body, m.end() - 1)
            inner = body[m.end() : close]
            if not re.search(r"\b" + re.escape(cls) + r"\b", inner):
                continue
            args = cscan.split_args(inner)
            if cls not in args:
                continue
            line = line_of(body, m.start(), base)
            if (fname, line, callee) not in known_calls:
                out.calls.append(CallSite(call=callee, args=args, function=fname, line=line))
                known_calls.add((fname, line, callee))
            helper = vmsd_of.get(callee)
            if helper is not None and fname not in vmsd_of:
                own = next(
                    (c for c in out.class_inits if c.function == fname and c.vmsd_member is None),
                    None,
                )
                if own is not None:
                    upd = replace(
                        own, vmsd=helper.vmsd, vmsd_member=helper.vmsd_member, vmsd_line=line
                    )
                    out.class_inits[out.class_inits.index(own)] = upd
                else:
                    upd = replace(helper, function=fname, props=(), line=line, vmsd_line=line)
                    folded.append(upd)
                vmsd_of[fname] = upd
    out.class_inits.extend(folded)
