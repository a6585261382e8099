"""QOM TypeInfo definitions in every form QEMU writes them: a struct, an array element,
OBJECT_DEFINE_*(), virtio_pci_types_register() and a loop over a static table."""

from __future__ import annotations

import re

from bot.model import cscan
from bot.model.entities import TypeInfo
from bot.model.extract.context import Ctx, Out, line_of
from bot.model.extract.preprocessor import inside_define


def interfaces_from(ctx: Ctx, text: str) -> tuple[str, ...]:
    """Interface type names of an `InterfaceInfo[]` initializer."""
    body = cscan.brace_body(text)
    if body is None:
        return ()
    res: list[str] = []
    for _, piece in cscan.split_top(cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]):
        inner = cscan.brace_body(piece)
        if inner is None or not inner[1].strip():
            continue
        expr = inner[1].strip()
        m = cscan.designated_members(expr)
        if m:
            expr = next((v for _, k, v in m if k == "type"), expr)
        expr = cscan.norm(expr)
        if expr not in ("NULL", "0"):
            res.append(ctx.resolve(expr) or expr)
    return tuple(res)


def _typeinfo_from_body(
    ctx: Ctx, c_name: str, btext: str, line: int, origin: str, out: Out
) -> TypeInfo:
    vals: dict[str, str] = {}
    interfaces: tuple[str, ...] = ()
    for _off, member, value in cscan.designated_members(cscan.strip_comments(btext)):
        if member == "interfaces":
            if "{" in value:
                interfaces = interfaces_from(ctx, value)
            else:
                ref = cscan.ident_or_none(value)
                interfaces = out.interface_arrays.get(ref, ()) if ref else ()
        else:
            vals[member] = cscan.norm(value)
    name_expr = vals.get("name")
    parent_expr = vals.get("parent")
    abstract = vals.get("abstract", "false") not in ("false", "0")
    return TypeInfo(
        c_name=c_name,
        name=ctx.resolve(name_expr),
        name_expr=name_expr,
        parent=ctx.resolve(parent_expr),
        parent_expr=parent_expr,
        class_init=vals.get("class_init"),
        instance_init=vals.get("instance_init"),
        instance_size_expr=vals.get("instance_size"),
        abstract=abstract,
        interfaces=interfaces,
        line=line,
        origin=origin,
    )


def read_typeinfo(
    ctx: Ctx, name: str, is_array: bool, vtext: str, line: int, out: Out, scope: str | None = None
) -> None:
    """TypeInfo entities of one `TypeInfo x = {...}` (or `x[] = {...}`) definition."""
    key = f"{scope}:{name}" if scope else name
    if key in out.type_keys:
        return
    out.type_keys.add(key)
    body = cscan.brace_body(vtext)
    if body is None:
        return
    if not is_array:
        out.types.append(_typeinfo_from_body(ctx, name, body[1], line, "struct", out))
        return
    clean = cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]
    i = 0
    for off, piece in cscan.split_top(clean):
        inner = cscan.brace_body(piece)
        if inner is None:
            continue
        eline = line_of(body[1], off + piece.find("{"), line_of(vtext, body[0], line))
        out.types.append(_typeinfo_from_body(ctx, f"{name}[{i}]", inner[1], eline, "array", out))
        i += 1


_OD_ARGS: dict[str, tuple[bool | None, int | None]] = {
    # macro -> (abstract (None: read ABSTRACT arg 4), index where interfaces start)
    "OBJECT_DEFINE_TYPE": (False, None),
    "OBJECT_DEFINE_TYPE_WITH_INTERFACES": (False, 4),
    "OBJECT_DEFINE_ABSTRACT_TYPE": (True, None),
    "OBJECT_DEFINE_SIMPLE_TYPE": (False, None),
    "OBJECT_DEFINE_SIMPLE_TYPE_WITH_INTERFACES": (False, 4),
    "OBJECT_DEFINE_TYPE_EXTENDED": (None, 5),
}


_OBJECT_DEFINE = re.compile(r"^[ \t]*(OBJECT_DEFINE_\w+)\s*\(", re.M)


def object_define_types(ctx: Ctx, text: str, out: Out) -> None:
    """TypeInfo entities of `OBJECT_DEFINE_*(...)` uses."""
    clean = text  # comments already blanked by the caller
    for m in _OBJECT_DEFINE.finditer(clean):
        macro = m.group(1)
        if macro not in _OD_ARGS:
            continue
        if inside_define(clean, m.start()):
            continue  # a use inside another macro's body (include/qom/object.h)
        close = cscan.match_close(clean, m.end() - 1)
        inner = clean[m.end() : close].replace("\\\r\n", " ").replace("\\\n", " ")
        args = cscan.split_args(inner)
        if len(args) < 4:
            continue
        abstract_spec, iface_at = _OD_ARGS[macro]
        instance, module, upper, parent = args[0], args[1], args[2], args[3]
        abstract = (
            abstract_spec
            if abstract_spec is not None
            else (len(args) > 4 and args[4] not in ("false", "0"))
        )
        ifaces: list[str] = []
        if iface_at is not None:
            for a in args[iface_at:]:
                braced = cscan.brace_body(a)
                if braced is not None and braced[1].strip():
                    e = cscan.norm(braced[1])
                    if e not in ("NULL", "0"):
                        ifaces.append(ctx.resolve(e) or e)
        key = f"object_define:{module}"
        if key in out.type_keys:
            continue
        out.type_keys.add(key)
        out.types.append(
            TypeInfo(
                c_name=module,
                name=ctx.resolve(f"TYPE_{upper}"),
                name_expr=f"TYPE_{upper}",
                parent=ctx.resolve(f"TYPE_{parent}"),
                parent_expr=f"TYPE_{parent}",
                class_init=f"{module}_class_init",
                instance_init=f"{module}_init",
                instance_size_expr=f"sizeof({instance})",
                abstract=bool(abstract),
                interfaces=tuple(ifaces),
                line=line_of(clean, m.start(1), 1),
                origin="object_define",
            )
        )


def virtio_pci_types(ctx: Ctx, text: str, out: Out) -> None:
    """The TypeInfos `virtio_pci_types_register(&info)` generates for each info."""
    rx = re.compile(r"VirtioPCIDeviceTypeInfo[ \t]+(\w+)\s*=\s*\{")
    clean = text  # comments already blanked by the caller
    for m in rx.finditer(clean):
        name = m.group(1)
        if not re.search(r"virtio_pci_types_register\s*\(\s*&\s*" + name + r"\s*\)", clean):
            continue
        brace = m.end() - 1
        close = cscan.match_close(clean, brace)
        line = line_of(clean, m.start(), 1)
        vals: dict[str, str] = {}
        interfaces: tuple[str, ...] = ()
        for _off, member, value in cscan.designated_members(clean[brace + 1 : close]):
            if member == "interfaces":
                interfaces = interfaces_from(ctx, value) if "{" in value else ()
            else:
                vals[member] = cscan.norm(value)
        parent_expr = vals.get("parent", "TYPE_VIRTIO_PCI")
        generic = vals.get("generic_name")
        base_expr = vals.get("base_name")
        user_ci = vals.get("class_init")

        def ti(
            suffix: str,
            nexpr: str,
            pexpr: str,
            ci: str | None,
            abstract: bool,
            _name: str = name,
            _vals: dict[str, str] = vals,
            _ifaces: tuple[str, ...] = interfaces,
            _line: int = line,
        ) -> TypeInfo:
            base = suffix == "base"
            return TypeInfo(
                c_name=f"{_name}.{suffix}",
                name=ctx.resolve(nexpr),
                name_expr=nexpr,
                parent=ctx.resolve(pexpr),
                parent_expr=pexpr,
                class_init=ci,
                instance_init=_vals.get("instance_init") if base else None,
                instance_size_expr=_vals.get("instance_size") if base else None,
                abstract=abstract,
                interfaces=_ifaces if base else (),
                line=_line,
                origin="virtio_pci",
            )

        if base_expr is None:
            if generic is None:
                continue
            base_expr = f'{generic} "-base-type"'
            out.types.append(ti("base", base_expr, parent_expr, None, True))
            out.types.append(ti("generic", generic, base_expr, user_ci, False))
        else:
            out.types.append(ti("base", base_expr, parent_expr, user_ci, True))
            if generic is not None:
                out.types.append(ti("generic", generic, base_expr, None, False))
        for key in ("non_transitional_name", "transitional_name"):
            if key in vals:
                out.types.append(ti(key.split("_name")[0], vals[key], base_expr, None, False))


_FOR_ARRAY = re.compile(r"\bfor\s*\([^;]*;[^;]*\b(?:ARRAY_SIZE|G_N_ELEMENTS)\s*\(\s*(\w+)\s*\)")


_MEMBER_ASSIGN = re.compile(r"\b(\w+)\s*\.\s*(\w+)\s*=\s*([^;]+);")


def loop_registered_types(ctx: Ctx, text: str, out: Out) -> None:
    """One TypeInfo per table element for `for (...ARRAY_SIZE(tbl)...) { ti.name = tbl[i].name;
    type_register_static(&ti); }` (the template TypeInfo may be local or file-level)."""
    clean = text  # comments already blanked by the caller
    for fm in _FOR_ARRAY.finditer(clean):
        table = fm.group(1)
        brace = clean.find("{", fm.end())
        if brace < 0:
            continue
        body_end = cscan.match_close(clean, brace)
        body = clean[brace + 1 : body_end]
        reg = re.search(r"type_register_static\s*\(\s*&\s*(\w+)\s*\)", body)
        if reg is None:
            continue
        var = reg.group(1)
        # pointer aliases: `const E1000Info *info = &e1000_devices[i];`
        aliases = {
            m.group(1)
            for m in re.finditer(r"\*\s*(\w+)\s*=\s*&\s*" + table + r"\s*\[\s*\w+\s*\]", body)
        }
        aliases |= {
            m.group(1) for m in re.finditer(r"\*\s*(\w+)\s*=\s*" + table + r"\s*\+\s*\w+\s*;", body)
        }
        # template initializer: local `TypeInfo var = {...}` in the function or anywhere before
        members: dict[str, str] = {}
        tms = list(re.finditer(r"TypeInfo\s+" + var + r"\s*=\s*\{", clean[: fm.start()]))
        tm = tms[-1] if tms else None
        if tm is not None:
            tb = tm.end() - 1
            for _o, k, v in cscan.designated_members(clean[tb + 1 : cscan.match_close(clean, tb)]):
                members[k] = cscan.norm(v)
        elem_fields: dict[str, str] = {}
        for am in _MEMBER_ASSIGN.finditer(body):
            if am.group(1) != var:
                continue
            rhs = cscan.norm(am.group(3))
            em = re.fullmatch(table + r"\s*\[\s*\w+\s*\]\s*\.\s*(\w+)", rhs) or next(
                (
                    re.fullmatch(a + r"\s*->\s*(\w+)", rhs)
                    for a in aliases
                    if re.fullmatch(a + r"\s*->\s*(\w+)", rhs)
                ),
                None,
            )
            if em is not None:
                elem_fields[am.group(2)] = em.group(1)
            else:
                members[am.group(2)] = rhs
        if "name" not in elem_fields:
            continue
        elements = _table_elements(clean, table)
        if not elements:
            continue
        out.types = [t for t in out.types if not (t.c_name == var and t.name is None)]
        for idx, (eline, evals) in enumerate(elements):
            vals = {m: evals.get(f) for m, f in elem_fields.items()}
            merged: dict[str, str | None] = {**members, **vals}
            nexpr = merged.get("name")
            pexpr = merged.get("parent")
            out.types.append(
                TypeInfo(
                    c_name=f"{var}[{idx}]",
                    name=ctx.resolve(nexpr),
                    name_expr=nexpr,
                    parent=ctx.resolve(pexpr),
                    parent_expr=pexpr,
                    class_init=merged.get("class_init"),
                    instance_init=merged.get("instance_init"),
                    instance_size_expr=merged.get("instance_size"),
                    abstract=(merged.get("abstract") or "false") not in ("false", "0"),
                    interfaces=(),
                    line=eline,
                    origin="loop",
                )
            )


def _table_elements(clean: str, table: str) -> list[tuple[int, dict[str, str]]]:
    """Designated members of each `{...}` element of `static T table[] = {...}`."""
    m = re.search(r"\b" + table + r"\s*\[\s*\w*\s*\]\s*=\s*\{", clean)
    if m is None:
        return []
    brace = m.end() - 1
    body = clean[brace + 1 : cscan.match_close(clean, brace)]
    res: list[tuple[int, dict[str, str]]] = []
    for off, piece in cscan.split_top(body):
        inner = cscan.brace_body(piece)
        if inner is None or not inner[1].strip():
            continue
        vals = {k: cscan.norm(v) for _o, k, v in cscan.designated_members(inner[1])}
        res.append((line_of(clean, brace + 1 + off + piece.find("{"), 1), vals))
    return res
