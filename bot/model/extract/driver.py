"""Extract typed migration-relevant entities from one C file (pure; never raises).

tree-sitter finds the constructs (declarations of the interesting struct types, function
definitions, calls, #defines) from regex hits on the bytes (`queries`) and a walk of
top-level nodes only; the inside of initializers and macro arguments is read with the text
helpers in `cscan`, which tolerate what tree-sitter cannot parse in QEMU's macro-heavy
code. A regex safety net (`fallback`) picks up VMStateDescription/TypeInfo definitions
that tree-sitter buried in ERROR nodes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import FileModel, Vmsd
from bot.model.extract.allocs import allocations
from bot.model.extract.arrays import read_generic_array
from bot.model.extract.bodies import (
    call_edges,
    feature_masks,
    id_functions,
    ram_blocks,
    reject_gates,
)
from bot.model.extract.calls import (
    define_machine_macros,
    link_add_child,
    machine_hook_calls,
    read_calls,
)
from bot.model.extract.class_init import (
    class_init_helpers,
    read_legacy_vmsd,
    read_props_assigns,
    read_qdev_info_vmsds,
    read_vmsd_assigns,
)
from bot.model.extract.context import Ctx, Out, decode, line_of
from bot.model.extract.derived import derived_updates
from bot.model.extract.fallback import FALLBACK_KINDS, expand_generator_macros, fallback_scan
from bot.model.extract.functions import function_infos
from bot.model.extract.hookbodies import hook_bodies
from bot.model.extract.preprocessor import resolve_defines, scan_directives, scan_functions
from bot.model.extract.properties import read_compat, read_props
from bot.model.extract.queries import (
    ARRAY_INIT,
    LANGUAGE,
    count_errors,
    locate,
    present_probes,
    top_level,
)
from bot.model.extract.streams import read_streams
from bot.model.extract.structs import read_structs
from bot.model.extract.syntax import decl_parts, function_name, is_static, where
from bot.model.extract.typeinfo import (
    interfaces_from,
    loop_registered_types,
    object_define_types,
    read_typeinfo,
    virtio_pci_types,
)
from bot.model.extract.vmsd import finish_vmsds, parse_fields, parse_vmsd, ptr_list
from bot.model.macros import VMSTATE_MACROS, extend_table

__all__ = ["extract_file"]


def extract_file(path: str, data: bytes, defines: Mapping[str, str] | None = None) -> FileModel:
    """Parse one C file version into a FileModel; never raises (bad input -> notes)."""
    try:
        return _extract(path, data, defines or {})
    except Exception as exc:
        return FileModel(
            path=path,
            parsed=False,
            notes=(f"internal extraction error: {type(exc).__name__}: {exc}",),
        )


# A macro invocation whose last argument is empty (`DEFINE_PC_MACHINE(v2_4, "pc-i440fx-2.4",
# pc_init_pci, pc_i440fx_2_4_machine_options, /* no compat */)`) is no C: tree-sitter's error
# recovery then swallows the definitions after it (up to the next `;`) into the argument list.
_EMPTY_LAST_ARG = re.compile(rb",(?=(?:\s|/\*(?:[^*]|\*(?!/))*\*/)*\))")


def parse_input(data: bytes) -> bytes:
    """The bytes tree-sitter parses: `data` with the comma before an empty last macro argument
    blanked (same length, so node offsets still index `data`)."""
    if b"," not in data:
        return data
    return _EMPTY_LAST_ARG.sub(b" ", data)


def _extract(path: str, data: bytes, defines: Mapping[str, str]) -> FileModel:
    notes: list[str] = []
    if not data.strip():
        return FileModel(path=path, notes=("empty file",) if not data else ())
    head = data[:8192]
    if b"\0" in head:
        return FileModel(path=path, parsed=False, notes=("binary data (NUL bytes); not parsed",))
    try:
        if not data.isascii():
            data.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(f"non-UTF-8 bytes at offset {exc.start}; such text decoded as latin-1")

    ctx = Ctx(path=path, data=data, ext_defines=defines, notes=notes)
    out = Out()

    text_all: str | None = None
    clean_all: str | None = None

    def full_text() -> str:
        nonlocal text_all
        if text_all is None:
            text_all = decode(data)
        return text_all

    def clean_text() -> str:
        nonlocal clean_all
        if clean_all is None:
            clean_all = cscan.strip_comments(full_text())
        return clean_all

    # #define and #include come from a text scan in every case, so a file read by the fast
    # path below and the same file read with tree-sitter give identical Defines/includes.
    if b"#" in data:
        scan_directives(ctx, full_text(), out)
    resolve_defines(ctx, out)

    present = present_probes(data)
    ctx.present = present
    if not present and ARRAY_INIT.search(data) is None:
        # Nothing tree-sitter could add except `functions` (regex) and parse_errors.
        out.functions = scan_functions(full_text())
        notes.append("fast path: no migration-relevant constructs, not parsed with tree-sitter")
        return FileModel(
            path=path,
            calls=tuple(out.calls),
            defines=tuple(out.defines),
            compat_arrays=tuple(out.compat),
            functions=tuple(out.functions),
            notes=tuple(notes),
            feature_masks=feature_masks(full_text(), out.functions),
            reject_gates=reject_gates(full_text(), out.functions),
            ram_blocks=ram_blocks(full_text(), out.functions),
            id_functions=id_functions(full_text(), out.functions),
            structs=read_structs(full_text()) if b"{" in data else (),
            streams=read_streams(full_text(), out.functions) if b"qemu_" in data else (),
            hook_bodies=hook_bodies(full_text(), out.functions, ()),
            derived_updates=derived_updates(full_text(), out.functions),
        )

    parser = ts.Parser(LANGUAGE)
    tree = parser.parse(parse_input(data))
    root = tree.root_node

    parse_errors = count_errors(root) if root.has_error else 0

    top_decls: list[ts.Node] = []
    for node in top_level(root):
        t = node.type
        if t == "function_definition":
            name = function_name(ctx, node)
            if name is not None:
                out.functions.append((name, node.start_point.row + 1, node.end_point.row + 1))
                out.function_nodes.setdefault(name, node)
        elif t == "declaration":
            top_decls.append(node)

    ctx.table = None
    if b"VMSTATE_" in data:
        local: dict[str, tuple[list[str] | None, str]] = {
            k: (p, b) for k, (p, b) in ctx.local_funcs.items()
        }
        for k, raw in ctx.local_raw.items():
            if k.startswith("VMSTATE_"):
                local.setdefault(k, (None, raw))
        if local:
            ext = extend_table(local)
            ctx.table = ext if ext is not VMSTATE_MACROS else None

    found = locate(ctx, root)
    for d, dtype in found.decls:
        out.seen_decls.add(d.id)
        _read_special_decl(ctx, d, dtype, out)
    read_calls(ctx, found.calls, out)
    link_add_child(ctx, out)
    read_props_assigns(ctx, found.assigns, out)
    read_vmsd_assigns(ctx, found.assigns, out)

    for decl in top_decls:
        read_generic_array(ctx, decl, out)
        read_qdev_info_vmsds(ctx, decl, out)

    if any(k.encode() in data for k in FALLBACK_KINDS):
        fallback_scan(ctx, full_text(), out)
    if b"OBJECT_DEFINE_" in data:
        object_define_types(ctx, clean_text(), out)
    if (b"VMStateDescription" in present or b"TypeInfo" in present) and any(
        "VMStateDescription" in body or "TypeInfo" in body for _p, body in ctx.local_funcs.values()
    ):
        expand_generator_macros(ctx, clean_text(), out)
    if b"DEFINE_" in data and b"MACHINE" in data:
        define_machine_macros(clean_text(), out)
    if b"_machine_" in data:
        machine_hook_calls(ctx, out)
    class_init_helpers(ctx, out)
    if b"VirtioPCIDeviceTypeInfo" in data:
        virtio_pci_types(ctx, clean_text(), out)
    if out.register_in_loop:
        loop_registered_types(ctx, clean_text(), out)
    out.calls.sort(key=lambda c: c.line)

    functions = sorted(out.functions, key=lambda f: f[1])
    vmsds = finish_vmsds(ctx, out)
    finfos = function_infos(ctx, out, vmsds)
    out.defines.sort(key=lambda d: d.line)
    return FileModel(
        path=path,
        vmsds=tuple(vmsds),
        types=tuple(sorted(out.types, key=lambda t: t.line)),
        class_inits=tuple(out.class_inits),
        properties=tuple(out.properties),
        compat_arrays=tuple(out.compat),
        registrations=tuple(out.registrations),
        creations=tuple(out.creations),
        calls=tuple(out.calls),
        defines=tuple(out.defines),
        arrays=tuple(out.arrays),
        functions=tuple(functions),
        parse_errors=parse_errors,
        parsed=True,
        notes=tuple(ctx.notes),
        function_infos=finfos,
        allocations=allocations(ctx, root) if vmsds else (),
        feature_masks=feature_masks(full_text(), functions),
        reject_gates=reject_gates(full_text(), functions),
        ram_blocks=ram_blocks(full_text(), functions),
        id_functions=id_functions(full_text(), functions),
        structs=read_structs(full_text()),
        streams=read_streams(full_text(), sorted(out.functions, key=lambda f: f[1]))
        if b"qemu_" in data
        else (),
        call_edges=call_edges(full_text(), functions) if b"register" in data else (),
        hook_bodies=hook_bodies(full_text(), functions, _hook_names(vmsds)),
        derived_updates=derived_updates(full_text(), functions),
    )


def _hook_names(vmsds: list[Vmsd]) -> set[str]:
    """Functions the vmsds name as hooks or _TEST predicates."""
    names = {fn for v in vmsds for _m, fn in v.hooks}
    names.update(f.test for v in vmsds for f in v.fields if f.test)
    return names


def _read_special_decl(ctx: Ctx, decl: ts.Node, dtype: str, out: Out) -> None:
    for name, is_array, value in decl_parts(ctx, decl):
        out.seen_names.add((dtype, name))
        vtext = ctx.text(value)
        line = value.start_point.row + 1
        if dtype == "VMStateDescription":
            if is_array:
                continue
            if value.type != "initializer_list":
                continue
            v = parse_vmsd(ctx, name, vtext, line, decl.start_point.row + 1, decl.end_point.row + 1)
            if v is not None and name not in out.vmsd_names:
                out.vmsd_names.add(name)
                out.vmsds.append(replace(v, is_static=is_static(ctx, decl)))
        elif dtype == "VMStateField" and is_array:
            body = cscan.brace_body(vtext)
            if body is not None:
                out.field_arrays[name] = (
                    parse_fields(ctx, body[1], line_of(vtext, body[0], line)),
                    line,
                )
        elif dtype == "TypeInfo":
            fn = (
                where(ctx, decl).function
                if decl.parent is not None and decl.parent.type != "translation_unit"
                else None
            )
            read_typeinfo(ctx, name, is_array, vtext, line, out, scope=fn)
        elif dtype == "Property" and is_array:
            read_props(ctx, name, vtext, line, out)
        elif dtype == "GlobalProperty" and is_array:
            fn = where(ctx, decl).function
            read_compat(ctx, name, vtext, line, value.end_point.row + 1, fn, out)
        elif dtype == "InterfaceInfo" and is_array:
            out.interface_arrays[name] = interfaces_from(ctx, vtext)
        elif dtype == "SysemuCPUOps":
            read_legacy_vmsd(ctx, name, vtext, line, out)
    # `static const VMStateDescription *subs[] = { &a, NULL }` arrays
    if dtype == "VMStateDescription":
        for name, is_array, value in decl_parts(ctx, decl):
            if is_array:
                out.subsection_arrays[name] = ptr_list(ctx.text(value))
