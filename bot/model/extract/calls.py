"""Calls the rules care about: vmstate registrations, object creations (linked to the
object_property_add_child that parents them), realize calls, other CallSites and
top-level DEFINE_*MACHINE*() invocations."""

from __future__ import annotations

import re
from dataclasses import replace

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import CallSite, ClassInit, ObjectCreation, VmstateRegistration
from bot.model.extract.context import Ctx, Out, decode, line_of
from bot.model.extract.syntax import where

_REGISTRATION_CALLS: dict[str, tuple[int | None, int | None]] = {
    # name -> (vmsd arg index, instance id arg index)
    "vmstate_register": (2, 1),
    "vmstate_register_any": (1, None),
    "vmstate_register_with_alias_id": (2, 1),
    "vmstate_unregister": (1, None),
    "register_savevm_live": (None, 1),
    # the pre-2019 open-coded registration and its undo: (dev, idstr, instance id, ...) and
    # (dev, idstr, opaque); their vmsd_expr is the idstr
    "register_savevm": (None, 2),
    "unregister_savevm": (None, None),
}
_IDSTR_CALLS = frozenset({"register_savevm", "unregister_savevm", "register_savevm_live"})
# The forms before the DeviceState/VMStateIf first argument (2009-2010) and the live form
# with one (2010-2019): (name, argument count) -> (vmsd or idstr index, instance id index).
# Without this a 2010 `vmstate_register(id, &vmsd, s)` reads `s` as its vmsd.
_ARITY_FORMS: dict[tuple[str, int], tuple[int, int | None]] = {
    ("vmstate_register", 3): (1, 0),
    ("vmstate_register_with_alias_id", 5): (1, 0),
    ("vmstate_unregister", 2): (0, None),
    ("register_savevm", 6): (0, 1),
    ("unregister_savevm", 2): (0, None),
    ("register_savevm_live", 8): (0, 1),
    ("register_savevm_live", 9): (1, 2),
    ("register_savevm_live", 6): (1, 2),
}


def registration_arg_indexes(fn: str, nargs: int) -> tuple[int, int | None]:
    """(vmsd-or-idstr argument index, instance id argument index) of a registration call
    with `nargs` arguments, in the form its argument count says."""
    form = _ARITY_FORMS.get((fn, nargs))
    if form is not None:
        return form
    vi, ii = _REGISTRATION_CALLS[fn]
    if vi is not None:
        return vi, ii
    # the idstr: after the device in register_savevm/unregister_savevm, first today in
    # register_savevm_live
    return (0 if fn == "register_savevm_live" else 1), ii


# name -> (type arg, child name arg, parent arg)
_CREATION_CALLS: dict[str, tuple[int | None, int | None, int | None]] = {
    "object_initialize_child": (3, 1, 0),
    "object_initialize_child_with_props": (4, 1, 0),
    "object_initialize_child_with_propsv": (4, 1, 0),
    "object_initialize": (2, None, None),
    "object_new": (0, None, None),
    "object_new_with_props": (0, 2, 1),
    "object_new_with_propv": (0, 2, 1),
    "qdev_new": (0, None, None),
    "qdev_try_new": (0, None, None),
    "object_property_add_child": (None, 1, 0),
    "isa_new": (0, None, None),
    "isa_create_simple": (1, None, 0),
    "isa_try_new": (0, None, None),
    "pci_new": (1, None, None),
    "pci_new_multifunction": (1, None, None),
    "pci_create_simple": (2, None, 0),
    "pci_create_simple_multifunction": (2, None, 0),
    "usb_new": (0, None, None),
    "usb_create_simple": (1, None, 0),
    "i2c_slave_new": (0, None, None),
    "i2c_slave_create_simple": (1, None, 0),
    "sysbus_create_simple": (0, None, None),
    "sysbus_create_varargs": (0, None, None),
    # the forms before qdev_new()/pci_new() (2009-2020): older trees are reviewed too
    "qdev_create": (1, None, 0),
    "qdev_try_create": (1, None, 0),
    "isa_create": (1, None, 0),
    "isa_try_create": (1, None, 0),
    "pci_create": (2, None, 0),
    "pci_create_multifunction": (3, None, 0),
    "usb_create": (1, None, 0),
    "i2c_create_slave": (1, None, 0),
    "ssi_create_slave": (1, None, 0),
    "sysbus_try_create_simple": (0, None, None),
    "sysbus_try_create_varargs": (0, None, None),
    "qdev_realize": (None, None, 1),
    "qdev_realize_and_unref": (None, None, 1),
    "sysbus_realize": (None, None, None),
    "sysbus_realize_and_unref": (None, None, None),
    "pci_realize_and_unref": (None, None, 1),
    "isa_realize_and_unref": (None, None, 1),
    "usb_realize_and_unref": (None, None, 1),
    "i2c_slave_realize_and_unref": (None, None, 1),
    "ssi_realize_and_unref": (None, None, 1),
}


# Realize calls are creations (bus/order) and also plain CallSites for the rules.
_ALSO_CALLSITE = frozenset(
    {
        "qdev_realize",
        "qdev_realize_and_unref",
        "sysbus_realize",
        "sysbus_realize_and_unref",
        "pci_realize_and_unref",
        "isa_realize_and_unref",
        "usb_realize_and_unref",
        "i2c_slave_realize_and_unref",
        "ssi_realize_and_unref",
    }
)


def _call_args(ctx: Ctx, call: ts.Node) -> tuple[str, ...]:
    a = call.child_by_field_name("arguments")
    if a is None:
        return ()
    t = ctx.text(a).strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    if not t.strip():
        return ()
    return cscan.split_args(cscan.strip_comments(t))


def _arg(args: tuple[str, ...], i: int | None) -> str | None:
    if i is None or i >= len(args):
        return None
    return args[i]


def read_calls(ctx: Ctx, calls: list[tuple[ts.Node, str]], out: Out) -> None:
    """Registrations, creations, props bindings and CallSites from the located calls."""
    props_by_func: dict[str, list[tuple[str, int]]] = {}
    calls.sort(key=lambda c: c[0].start_byte)
    for node, fn in calls:
        args = _call_args(ctx, node)
        line = node.start_point.row + 1
        if fn in ("device_class_set_props", "device_class_set_props_n"):
            w = where(ctx, node)
            arr = _arg(args, 1)
            if w.function is not None and arr is not None:
                props_by_func.setdefault(w.function, []).append(
                    (cscan.ident_or_none(arr) or arr, line)
                )
            continue
        if fn in _REGISTRATION_CALLS:
            vi, ii = registration_arg_indexes(fn, len(args))
            w = where(ctx, node)
            vexpr = _arg(args, vi)
            out.registrations.append(
                VmstateRegistration(
                    call=fn,
                    vmsd=(
                        cscan.ident_or_none(vexpr)
                        if fn not in _IDSTR_CALLS and vexpr
                        else None
                    ),
                    vmsd_expr=vexpr or "",
                    instance_id=_arg(args, ii),
                    function=w.function,
                    in_loop=w.in_loop,
                    conditional=w.conditional,
                    condition=w.condition,
                    line=line,
                    loop_bound=w.loop_bound,
                    args=tuple(cscan.norm(a) for a in args),
                )
            )
            continue
        if fn in _CREATION_CALLS:
            ti, ci, pi = _CREATION_CALLS[fn]
            w = where(ctx, node)
            target = _assigned_to(ctx, node)
            if fn == "object_initialize" and args:
                target = args[0]
            if target is not None:
                out.creation_targets[len(out.creations)] = target
            out.creation_bytes[len(out.creations)] = (node.start_byte, node.end_byte)
            texpr = _arg(args, ti)
            cexpr = _arg(args, ci)
            child = ctx.resolve(cexpr) if cexpr is not None else None
            out.creations.append(
                ObjectCreation(
                    call=fn,
                    type_expr=texpr,
                    type_name=ctx.resolve(texpr),
                    child_name=child if child is not None else cexpr,
                    parent_expr=_arg(args, pi),
                    function=w.function,
                    in_loop=w.in_loop,
                    conditional=w.conditional,
                    condition=w.condition,
                    line=line,
                    args=args,
                    loop_bound=w.loop_bound,
                )
            )
            if fn not in _ALSO_CALLSITE:
                continue
        if fn == "object_property_set_bool" and not _sets_realized(args):
            continue
        w = where(ctx, node)
        if fn == "type_register_static" and w.in_loop:
            out.register_in_loop = True
        out.calls.append(
            CallSite(
                call=fn,
                args=args,
                function=w.function,
                line=line,
                conditional=w.conditional,
                condition=w.condition,
                target=(
                    _realized_object(ctx, out, node, w.function, args[0])
                    if fn in REALIZE_CALLS and args
                    else None
                ),
            )
        )
    out.class_inits.extend(
        ClassInit(
            function=f, vmsd=None, vmsd_member=None, props=tuple(a for a, _ in lst), line=lst[0][1]
        )
        for f, lst in props_by_func.items()
    )


# Calls that realize the object in their first argument (a device with dc->vmsd then
# registers its section).
REALIZE_CALLS = frozenset(
    {
        *_ALSO_CALLSITE,
        "object_property_set_bool",
        "qdev_init_nofail",
    }
)


def _sets_realized(args: tuple[str, ...]) -> bool:
    """`object_property_set_bool(obj, true, "realized", errp)` (or the pre-4.2 order
    `(obj, "realized", true, errp)`... the literal is what matters)."""
    return any(cscan.norm(a) == '"realized"' for a in args[1:3]) and any(
        cscan.norm(a) == "true" for a in args[1:3]
    )


def _realized_object(
    ctx: Ctx, out: Out, call: ts.Node, function: str | None, arg: str
) -> str | None:
    """The realized object: `OBJECT(&s->uart)` -> `s->uart`; a plain local `s` -> what the
    function last assigned to it before the call (`SerialState *s = &isa->state;`)."""
    key = _obj_key(arg)
    key = re.sub(r"\+\s*\w+$", "", key)  # `pci->state + i`: the array
    if not re.fullmatch(r"[A-Za-z_]\w*", key) or function is None:
        return key or None
    fnode = out.function_nodes.get(function)
    if fnode is None:
        return key
    before = cscan.strip_comments(decode(ctx.data[fnode.start_byte : call.start_byte]))
    last: str | None = None
    for m in re.finditer(rf"(?<![\w>.]){re.escape(key)}\s*=(?!=)([^;{{}}]*);", before):
        last = m.group(1)
    if last is None:
        return key
    got = re.sub(r"\+\s*\w+$", "", _obj_key(last))
    return got or key


def _assigned_to(ctx: Ctx, call: ts.Node) -> str | None:
    """`X` in `X = call(...)` / `T *X = call(...)` (through casts like DEVICE(...))."""
    p = call.parent
    while p is not None and p.type in (
        "call_expression",
        "cast_expression",
        "argument_list",
        "parenthesized_expression",
    ):
        _node, p = p, p.parent
    if p is None:
        return None
    if p.type == "assignment_expression":
        left = p.child_by_field_name("left")
        return cscan.norm(ctx.text(left)) if left is not None else None
    if p.type == "init_declarator":
        d = p.child_by_field_name("declarator")
        while d is not None and d.type == "pointer_declarator":
            d = d.child_by_field_name("declarator")
        return ctx.text(d) if d is not None else None
    return None


_CAST_MACRO = re.compile(r"^[A-Z][A-Z0-9_]*\((.*)\)$", re.S)


def _obj_key(expr: str) -> str:
    """Normalise an object expression: `OBJECT(&s->uart)` -> `s->uart`."""
    t = cscan.strip_casts(expr.strip())
    for _ in range(4):
        m = _CAST_MACRO.match(t)
        if m:
            t = cscan.strip_casts(m.group(1).strip())
        t = t.lstrip("&").strip()
    return re.sub(r"\s+", "", t)


def link_add_child(ctx: Ctx, out: Out) -> None:
    """Link `X = object_new(T)` and a later add_child(P, "n", X) of the same function: the
    creation takes the child name and parent, both record the call at the other end.

    X may reach the add_child through plain aliases in between (`obj = OBJECT(dev);`).
    """
    for i, c in enumerate(out.creations):
        if c.call != "object_property_add_child" or len(c.args) < 3:
            continue
        key = _obj_key(c.args[2])
        for j in range(i - 1, -1, -1):
            prev = out.creations[j]
            if prev.function != c.function or prev.call == "object_property_add_child":
                continue
            tgt = out.creation_targets.get(j)
            if tgt is None:
                continue
            if _obj_key(tgt) != key and key not in _aliases(ctx, out, j, i, _obj_key(tgt)):
                continue
            out.creations[j] = replace(
                prev, child_name=c.child_name, parent_expr=c.parent_expr, linked_call=c.call
            )
            out.creations[i] = replace(c, linked_call=prev.call)
            break


# `lhs = rhs;` statements (not `==`, `<=` ...); lhs a variable or member path.
_ASSIGN = re.compile(r"(?<![\w>.])([A-Za-z_]\w*(?:\s*(?:->|\.)\s*\w+)*)\s*=(?!=)([^;{}]*);")


def _aliases(ctx: Ctx, out: Out, made: int, used: int, key: str) -> set[str]:
    """Object keys naming what creation `made` created by the time of creation `used`:
    `key` and whatever plain assignments in between copy it into (reassignments drop)."""
    span_made, span_used = out.creation_bytes.get(made), out.creation_bytes.get(used)
    keys = {key}
    if span_made is None or span_used is None or span_made[1] >= span_used[0]:
        return keys
    between = cscan.strip_comments(decode(ctx.data[span_made[1] : span_used[0]]))
    for m in _ASSIGN.finditer(between):
        lhs = re.sub(r"\s+", "", m.group(1))
        if _obj_key(m.group(2)) in keys:
            keys.add(lhs)
        else:
            keys.discard(lhs)
    return keys


# The option hooks of a versioned machine type (`ccw_machine_2_10_instance_options`, before
# 2017 also `pc_i440fx_2_3_machine_options`): every call in them is recorded, since what a
# hook does holds only for that version and older.
MACHINE_HOOK_RE = re.compile(
    r"(?:_machine_\d+_\d+_(?:class_|instance_)?options|_\d+_\d+_machine_options)$"
)


def machine_hook_calls(ctx: Ctx, out: Out) -> None:
    """CallSites for every plain call inside a versioned machine's option hook."""
    known = {(c.call, c.line) for c in out.calls} | {(r.call, r.line) for r in out.registrations}
    for fname, node in out.function_nodes.items():
        if not MACHINE_HOOK_RE.search(fname):
            continue
        body = node.child_by_field_name("body")
        stack = [body] if body is not None else []
        while stack:
            n = stack.pop()
            stack.extend(n.children)
            if n.type != "call_expression":
                continue
            f = n.child_by_field_name("function")
            if f is None or f.type != "identifier":
                continue
            name = ctx.text(f)
            line = n.start_point.row + 1
            if (name, line) in known:
                continue
            known.add((name, line))
            w = where(ctx, n)
            out.calls.append(
                CallSite(
                    call=name,
                    args=_call_args(ctx, n),
                    function=w.function,
                    line=line,
                    conditional=w.conditional,
                    condition=w.condition,
                )
            )


_DEFINE_MACHINE_RE = re.compile(r"^[ \t]*(DEFINE_\w*MACHINE\w*)\s*\(", re.M)


def define_machine_macros(text: str, out: Out) -> None:
    """CallSites for top-level `DEFINE_*MACHINE*(...)` invocations (versioned machine types)."""
    clean = text  # comments already blanked by the caller
    for m in _DEFINE_MACHINE_RE.finditer(clean):
        line = line_of(clean, m.start(1), 1)
        if out.function_at(line) is not None:
            continue
        close = cscan.match_close(clean, m.end() - 1)
        inner = clean[m.end() : close]
        args = cscan.split_args(inner) if inner.strip() else ()
        out.calls.append(CallSite(call=m.group(1), args=args, function=None, line=line))
