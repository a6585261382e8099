"""Extract typed migration-relevant entities from one C file (pure; never raises).

tree-sitter finds the constructs (declarations of the interesting struct types, function
definitions, calls, #defines) with Query objects and a walk of top-level nodes only; the
inside of initializers and macro arguments is read with the text helpers in `cscan`, which
tolerate what tree-sitter cannot parse in QEMU's macro-heavy code. A regex safety net picks
up VMStateDescription/TypeInfo definitions that tree-sitter buried in ERROR nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import tree_sitter as ts
import tree_sitter_c as tsc

from bot.model import cscan
from bot.model.entities import (
    CallSite,
    ClassInit,
    CompatArray,
    CompatEntry,
    Define,
    FileModel,
    FunctionInfo,
    InitializerArray,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
    VmstateField,
    VmstateRegistration,
)
from bot.model.macros import (
    PROP_MACROS,
    TYPE_NAME_HELPERS,
    VMSTATE_MACROS,
    MacroTable,
    extend_table,
    interpret_field,
    prop_spec,
)

__all__ = ["extract_file"]

LANGUAGE = ts.Language(tsc.language())

# Declarations of these types are read wherever they occur (top level, #if blocks, ERROR
# nodes, function bodies).
_SPECIAL_TYPES = (
    "VMStateDescription",
    "TypeInfo",
    "Property",
    "GlobalProperty",
    "VMStateField",
    "InterfaceInfo",
    "SysemuCPUOps",
)

_REGISTRATION_CALLS: dict[str, tuple[int | None, int | None]] = {
    # name -> (vmsd arg index, instance id arg index)
    "vmstate_register": (2, 1),
    "vmstate_register_any": (1, None),
    "vmstate_register_with_alias_id": (2, 1),
    "vmstate_unregister": (1, None),
    "register_savevm_live": (None, 1),
}

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

_CALLSITE_RE = (
    r"pci_set_(byte|word|long|quad)|pci_config_set_\w+|pci_add_capability|pcie_\w*_init"
    r"|pcie_cap_\w+|msix_init\w*|msi_init|virtio_add_feature|virtio_clear_feature"
    r"|pci_register_bar|memory_region_init_io|pci_set_irq_pin"
)

_CALL_NAMES_RE = (
    "^("
    + "|".join(re.escape(n) for n in (*_REGISTRATION_CALLS, *_CREATION_CALLS))
    + "|device_class_set_props|device_class_set_props_n|"
    + _CALLSITE_RE.replace("\\w", "[A-Za-z0-9_]")
    + ")$"
)

_DECL_TYPE_RES = tuple(
    (t.encode(), re.compile(rb"(" + t.encode() + rb")\b")) for t in _SPECIAL_TYPES
)
# (probe substring, regex whose group 1 is the full call name). Each regex starts with a
# literal so `re` can use its fast prefix search, and a probe absent from the file skips it.
_CALL_GROUPS: tuple[tuple[bytes, bytes], ...] = (
    (b"vmstate_", rb"vmstate_(?:register_with_alias_id|register_any|register|unregister)"),
    (b"register_savevm_live", rb"register_savevm_live"),
    (
        b"object_",
        rb"object_(?:initialize_child_with_propsv|initialize_child_with_props"
        rb"|initialize_child|initialize|new_with_props|new_with_propv|new|property_add_child)",
    ),
    (
        b"qdev_",
        rb"qdev_(?:new|try_new|realize_and_unref|realize|set_parent_bus|set_legacy_instance_id)",
    ),
    (b"isa_", rb"isa_(?:new|try_new|create_simple|realize_and_unref)"),
    (
        b"pci",
        rb"pci(?:_new_multifunction|_new|_create_simple_multifunction|_create_simple"
        rb"|_realize_and_unref|_set_(?:byte|word|long|quad|irq_pin)|_config_set_\w+"
        rb"|_add_capability|_register_bar|_pm_init|e_\w*_init|e_cap_\w+)",
    ),
    (b"usb_", rb"usb_(?:new|create_simple|realize_and_unref)"),
    (b"i2c_slave_", rb"i2c_slave_(?:new|create_simple|realize_and_unref)"),
    (b"sysbus_", rb"sysbus_(?:create_simple|create_varargs|realize_and_unref|realize)"),
    (b"ssi_realize_and_unref", rb"ssi_realize_and_unref"),
    (b"device_class_set_props", rb"device_class_set_props(?:_n)?"),
    (b"msi", rb"msi(?:x_init\w*|_init)"),
    (b"virtio_", rb"virtio_(?:add|clear)_feature"),
    (b"memory_region_init_io", rb"memory_region_init_io"),
    (b"compat_props_add", rb"compat_props_add"),
    (b"machine_class_allow_dynamic_sysbus_dev", rb"machine_class_allow_dynamic_sysbus_dev"),
    (b"type_register_static", rb"type_register_static(?:_array)?"),
    (b"virtio_pci_types_register", rb"virtio_pci_types_register"),
)
# `pc_q35_machine_10_2_options(m)`-style calls: the literal part comes first; the identifier
# start is found by walking back.
_MACHINE_OPTS_RE = re.compile(rb"_machine_\d+_\d+_(?:class_|instance_)?options\s*\(")
_DEFINE_MACHINE_RE = re.compile(r"^[ \t]*(DEFINE_\w*MACHINE\w*)\s*\(", re.M)
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
_CALL_RES = tuple((p, re.compile(rb"(" + r + rb")\s*\(")) for p, r in _CALL_GROUPS)
_VMSD_ASSIGN_RE = re.compile(rb"(vmsd)\s*=(?!=)")


_FALLBACK_KINDS = (
    "VMStateDescription",
    "TypeInfo",
    "GlobalProperty",
    "Property",
    "VMStateField",
    "InterfaceInfo",
)
_FALLBACK_DEFS = tuple(
    (k, re.compile("(" + k + r")[ \t]+(\w+)\s*(\[\s*\w*\s*\])?\s*=\s*\{")) for k in _FALLBACK_KINDS
)
_IDENT_START = re.compile(r"\(*\s*[A-Za-z_]\w*\s*(\(|$|\)*$|\")")
_OBJECT_DEFINE = re.compile(r"^[ \t]*(OBJECT_DEFINE_\w+)\s*\(", re.M)
_COMPAT_VERSION = re.compile(r"(\d+)_(\d+)(?!.*\d+_\d+)")

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

_LOOPS = frozenset({"for_statement", "while_statement", "do_statement"})
_TRANSPARENT = frozenset(
    {
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "ERROR",
        "linkage_specification",
        "declaration_list",
    }
)


# ------------------------------------------------------------------------------------------
# Public entry point


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


# ------------------------------------------------------------------------------------------
# Context: defines, name resolution, text access


@dataclass
class _Ctx:
    path: str
    data: bytes
    ext_defines: Mapping[str, str]
    notes: list[str] = field(default_factory=list)
    local_raw: dict[str, str] = field(default_factory=dict)
    local_funcs: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    _str_cache: dict[str, str | None] = field(default_factory=dict)
    _int_cache: dict[str, int | None] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)
    table: MacroTable | None = None
    present: frozenset[bytes] = frozenset()

    def text(self, node: ts.Node) -> str:
        return _decode(self.data[node.start_byte : node.end_byte])

    # -- strings ------------------------------------------------------------------------
    def lookup_str(self, name: str) -> str | None:
        if name in self._str_cache:
            return self._str_cache[name]
        if name in self._resolving:
            return None
        val: str | None = None
        raw = self.local_raw.get(name)
        if raw is not None:
            self._resolving.add(name)
            try:
                val = cscan.eval_string(raw, self.lookup_str, self.funcs())
            finally:
                self._resolving.discard(name)
        if val is None:
            val = self.ext_defines.get(name)
        self._str_cache[name] = val
        return val

    def funcs(self) -> dict[str, Callable[[tuple[str, ...]], str | None]]:
        return _FuncTable(self)

    def resolve(self, expr: str | None) -> str | None:
        """Resolve a C string expression (literal, TYPE_* macro, helper call) to a str."""
        if expr is None:
            return None
        return cscan.eval_string(expr, self.lookup_str, self.funcs())

    # -- ints ---------------------------------------------------------------------------
    def lookup_int(self, name: str) -> int | None:
        if name in self._int_cache:
            return self._int_cache[name]
        if name in self._resolving:
            return None
        raw = self.local_raw.get(name)
        val: int | None = None
        if raw is not None:
            self._resolving.add(name)
            try:
                val = cscan.eval_int(raw, self.lookup_int)
            finally:
                self._resolving.discard(name)
        self._int_cache[name] = val
        return val


class _FuncTable(dict[str, Callable[[tuple[str, ...]], str | None]]):
    """Function-like name helpers: this file's `#define F(x) x "-sfx"`, `*_TYPE_NAME`
    via `*_TYPE_SUFFIX`, then the built-in table (macros.TYPE_NAME_HELPERS)."""

    def __init__(self, ctx: _Ctx) -> None:
        super().__init__()
        self._ctx = ctx

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return (
            key in self._ctx.local_funcs
            or key in TYPE_NAME_HELPERS
            or (key.endswith("_TYPE_NAME") and self._suffix(key) is not None)
        )

    def _suffix(self, key: str) -> str | None:
        base = key[: -len("_TYPE_NAME")]
        for cand in (base + "_TYPE_SUFFIX", "TYPE_" + base + "_SUFFIX"):
            v = self._ctx.lookup_str(cand)
            if v is not None:
                return v
        return None

    def __getitem__(self, key: str) -> Callable[[tuple[str, ...]], str | None]:
        ctx = self._ctx
        if key in ctx.local_funcs:
            params, body = ctx.local_funcs[key]

            def call(args: tuple[str, ...]) -> str | None:
                if len(args) != len(params):
                    return None
                mp = {
                    p: '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for p, a in zip(params, args, strict=True)
                }
                sub = _STR_OR_IDENT.sub(lambda m: mp.get(m.group(0), m.group(0)), body)
                return cscan.eval_string(sub, ctx.lookup_str, self)

            return call
        if key.endswith("_TYPE_NAME"):
            sfx = self._suffix(key)
            if sfx is not None:
                return lambda args: args[0] + sfx if len(args) == 1 else None
        return TYPE_NAME_HELPERS[key]


def _decode(b: bytes) -> str:
    """UTF-8, or latin-1 for a slice that is not (always a valid, printable str)."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def _line_of(text: str, offset: int, base_line: int) -> int:
    return base_line + text.count("\n", 0, offset)


# ------------------------------------------------------------------------------------------
# Driver


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

    ctx = _Ctx(path=path, data=data, ext_defines=defines, notes=notes)
    out = _Out()

    text_all: str | None = None
    clean_all: str | None = None

    def full_text() -> str:
        nonlocal text_all
        if text_all is None:
            text_all = _decode(data)
        return text_all

    def clean_text() -> str:
        nonlocal clean_all
        if clean_all is None:
            clean_all = cscan.strip_comments(full_text())
        return clean_all

    # #define and #include come from a text scan in every case, so a file read by the fast
    # path below and the same file read with tree-sitter give identical Defines/includes.
    if b"#" in data:
        _scan_directives(ctx, full_text(), out)
    _resolve_defines(ctx, out)

    present = _present_probes(data)
    ctx.present = present
    if not present and _ARRAY_INIT.search(data) is None:
        # Nothing tree-sitter could add except `functions` (regex) and parse_errors.
        out.functions = _scan_functions(full_text())
        notes.append("fast path: no migration-relevant constructs, not parsed with tree-sitter")
        return FileModel(
            path=path,
            calls=tuple(out.calls),
            defines=tuple(out.defines),
            functions=tuple(out.functions),
            notes=tuple(notes),
        )

    parser = ts.Parser(LANGUAGE)
    tree = parser.parse(data)
    root = tree.root_node

    parse_errors = _count_errors(root) if root.has_error else 0

    top_decls: list[ts.Node] = []
    for node in _top_level(root):
        t = node.type
        if t == "function_definition":
            name = _function_name(ctx, node)
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

    _run_locators(ctx, root, out)

    for decl in top_decls:
        _read_generic_array(ctx, decl, out)

    if any(k.encode() in data for k in _FALLBACK_KINDS):
        _fallback_scan(ctx, full_text(), out)
    if b"OBJECT_DEFINE_" in data:
        _object_define_types(ctx, clean_text(), out)
    if (b"VMStateDescription" in present or b"TypeInfo" in present) and any(
        "VMStateDescription" in body or "TypeInfo" in body for _p, body in ctx.local_funcs.values()
    ):
        _expand_generator_macros(ctx, clean_text(), out)
    if b"DEFINE_" in data and b"MACHINE" in data:
        _define_machine_macros(clean_text(), out)
    _class_init_helpers(ctx, out)
    if b"VirtioPCIDeviceTypeInfo" in data:
        _virtio_pci_types(ctx, clean_text(), out)
    if out.register_in_loop:
        _loop_registered_types(ctx, clean_text(), out)
    out.calls.sort(key=lambda c: c.line)

    vmsds = _finish_vmsds(ctx, out)
    finfos = _function_infos(ctx, out, vmsds)
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
        functions=tuple(sorted(out.functions, key=lambda f: f[1])),
        parse_errors=parse_errors,
        parsed=True,
        notes=tuple(ctx.notes),
        function_infos=finfos,
    )


@dataclass
class _Out:
    vmsds: list[Vmsd] = field(default_factory=list)
    vmsd_names: set[str] = field(default_factory=set)
    field_arrays: dict[str, tuple[tuple[VmstateField, ...], int]] = field(default_factory=dict)
    subsection_arrays: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interface_arrays: dict[str, tuple[str, ...]] = field(default_factory=dict)
    types: list[TypeInfo] = field(default_factory=list)
    type_keys: set[str] = field(default_factory=set)
    class_inits: list[ClassInit] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    compat: list[CompatArray] = field(default_factory=list)
    registrations: list[VmstateRegistration] = field(default_factory=list)
    creations: list[ObjectCreation] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    defines: list[Define] = field(default_factory=list)
    arrays: list[InitializerArray] = field(default_factory=list)
    functions: list[tuple[str, int, int]] = field(default_factory=list)
    seen_decls: set[int] = field(default_factory=set)
    seen_names: set[tuple[str, str]] = field(default_factory=set)
    function_nodes: dict[str, ts.Node] = field(default_factory=dict)
    creation_targets: dict[int, str] = field(default_factory=dict)
    register_in_loop: bool = False


def _top_level(root: ts.Node) -> Iterator[ts.Node]:
    """Top-level nodes, descending only into #if blocks, extern "C" and ERROR wrappers."""
    stack = list(reversed(root.children))
    while stack:
        n = stack.pop()
        if n.type in _TRANSPARENT:
            stack.extend(reversed(n.children))
        else:
            yield n


# ------------------------------------------------------------------------------------------
# #define


_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(define|include)\b", re.M)
_DEFINE_HEAD = re.compile(r"#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?(.*)", re.S)
_INCLUDE_HEAD = re.compile(r"#\s*include\s*[<\"]([^>\"]+)[>\"]")


def _in_block_comment(text: str, pos: int) -> bool:
    """Whether `pos` lies inside a `/* */` comment: the last opener before it is not closed
    and is not inside a string literal on its own line (`"/sys/*"`)."""
    o = text.rfind("/*", 0, pos)
    if o < 0 or text.rfind("*/", o, pos) >= 0:
        return False
    ls = text.rfind("\n", 0, o) + 1
    return text.count('"', ls, o) % 2 == 0


def _logical_end(text: str, start: int) -> int:
    """End of the preprocessor line at `start`: `\\`-continued lines and block comments that
    span lines belong to it (C replaces a comment by one space before directives run)."""
    i = start
    n = len(text)
    while True:
        j = text.find("\n", i)
        if j < 0:
            return n
        k = j - 1
        if k >= 0 and text[k] == "\r":
            k -= 1
        seg = text[start:j]
        if "/*" in seg:
            o = seg.rfind("/*")
            if seg.find("*/", o) < 0 and "//" not in seg[:o]:
                close = text.find("*/", start + o + 2)
                if close < 0:
                    return n
                i = close + 2
                continue
        if k >= start and text[k] == "\\":
            i = j + 1
            continue
        return j


def _scan_directives(ctx: _Ctx, text: str, out: _Out) -> None:
    """Every `#define` (both #if arms, source order) and `#include` of the file.

    A regex finds directive lines in the raw text (skipping ones inside block comments); each
    logical line (`\\` continuations and multi-line comments joined) is comment-stripped on
    its own, so a comment inside a body is a space, as in C. Object-like: Define(name, raw,
    value); function-like: Define("NAME(a,b)", raw). Includes become
    CallSite("#include", (name,), None, line).
    """
    line = 1
    last = 0
    has_comments = "/*" in text
    for m in _DIRECTIVE.finditer(text):
        start = m.start()
        if has_comments and _in_block_comment(text, start):
            continue
        end = _logical_end(text, start)
        line += text.count("\n", last, start)
        last = start
        logical = text[start:end].replace("\\\r\n", " ").replace("\\\n", " ")
        if "/" in logical:
            logical = cscan.strip_comments(logical)
        if m.group(1) == "include":
            im = _INCLUDE_HEAD.match(logical.strip())
            if im is not None:
                out.calls.append(
                    CallSite(call="#include", args=(im.group(1),), function=None, line=line)
                )
            continue
        dm = _DEFINE_HEAD.match(logical.strip())
        if dm is None:
            continue
        name = dm.group(1)
        body = cscan.norm(dm.group(4))
        if dm.group(2) is None:
            ctx.local_raw.setdefault(name, body)
            out.defines.append(Define(name=name, raw=body, value=None, line=line))
        else:
            params = [p.strip() for p in dm.group(3).split(",") if p.strip()]
            ctx.local_funcs.setdefault(name, (params, body))
            out.defines.append(
                Define(name=f"{name}({','.join(params)})", raw=body, value=None, line=line)
            )


# Any of these bytes means tree-sitter has something to find; otherwise the fast path.
_PARSE_PROBES: tuple[bytes, ...] = (
    *(t.encode() for t in _SPECIAL_TYPES),
    *(p for p, _ in _CALL_GROUPS),
    b"vmsd",
    b"_machine_",
    b"MACHINE",
    b"OBJECT_DEFINE_",
    b"ObjectClass",
    b"VirtioPCIDeviceTypeInfo",
    b"type_register",
    b"DEFINE_TYPES",
    b"VMStateDescription",
    b"TypeInfo",
)
_ARRAY_INIT = re.compile(rb"\]\s*=\s*\{")


def _present_probes(data: bytes) -> frozenset[bytes]:
    """The probe substrings that occur in the file (each probe is searched once)."""
    return frozenset(p for p in _PARSE_PROBES if p in data)


_FUNC_HEAD = re.compile(
    r"^([A-Za-z_][\w \t\*]*?)?\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^;{}()]*\))*\)\s*\{", re.M
)
_TYPE_LINE = re.compile(r"[A-Za-z_][\w \t\*]*")
_NOT_FUNCS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "do", "else"})


def _scan_functions(text: str) -> list[tuple[str, int, int]]:
    """Function definitions found by text (fast path only): (name, line, end_line).

    A head `name(params) {` at the start of a line, the end at the next `}` in column 0
    (QEMU style); heads inside block comments are skipped.
    """
    res: list[tuple[str, int, int]] = []
    pos = 0
    line = 1
    last = 0
    has_comments = "/*" in text
    while True:
        m = _FUNC_HEAD.search(text, pos)
        if m is None:
            return res
        name = m.group(2)
        if name in _NOT_FUNCS or (has_comments and _in_block_comment(text, m.start())):
            pos = m.end()
            continue
        start = m.start()
        # `static void\nfoo(void)\n{`: the return type sits on the previous line
        prev_end = start - 1
        prev_start = text.rfind("\n", 0, max(prev_end, 0)) + 1
        prev = text[prev_start:prev_end] if prev_end > 0 else ""
        if (m.group(1) or "").strip() == "" and _TYPE_LINE.fullmatch(prev):
            start = prev_start
        close = text.find("\n}", m.end() - 1)
        close = len(text) - 1 if close < 0 else close + 1
        if "\n" not in text[m.end() - 1 : close] and "}" in text[m.end() - 1 : close + 1]:
            close = text.find("}", m.end() - 1)  # one-line function
        line += text.count("\n", last, start)
        last = start
        res.append((name, line, line + text.count("\n", start, close)))
        pos = close + 1


_MAYBE_STRING = re.compile(r'^[("A-Za-z_]')


def _resolve_defines(ctx: _Ctx, out: _Out) -> None:
    """Each object-like define's own body resolved (so both #ifdef arms keep their value)."""
    out.defines = [
        replace(d, value=ctx.resolve(d.raw))
        if d.raw
        and "(" not in d.name
        and _MAYBE_STRING.match(d.raw)
        and ('"' in d.raw or _IDENT_START.match(d.raw))
        else d
        for d in out.defines
    ]


# ------------------------------------------------------------------------------------------
# Functions, enclosing context


def _function_name(ctx: _Ctx, node: ts.Node) -> str | None:
    d = node.child_by_field_name("declarator")
    while d is not None:
        if d.type == "function_declarator":
            inner = d.child_by_field_name("declarator")
            if inner is None:
                return None
            if inner.type in ("identifier", "field_identifier"):
                return ctx.text(inner)
            d = inner
            continue
        if d.type in ("identifier",):
            return ctx.text(d)
        d = d.child_by_field_name("declarator")
    return None


@dataclass(frozen=True, slots=True)
class _Where:
    function: str | None
    in_loop: bool
    conditional: bool
    condition: str | None


def _where(ctx: _Ctx, node: ts.Node) -> _Where:
    in_loop = False
    cond: str | None = None
    conditional = False
    child = node
    p = node.parent
    func: str | None = None
    while p is not None:
        t = p.type
        if t in _LOOPS:
            in_loop = True
        elif t == "if_statement":
            c = p.child_by_field_name("condition")
            alt = p.child_by_field_name("alternative")
            if c is not None and child.id != c.id:
                conditional = True
                if cond is None:
                    ctext = cscan.unparen(cscan.norm(ctx.text(c)))
                    if alt is not None and child.id == alt.id:
                        ctext = f"!({ctext})"
                    cond = ctext
        elif t == "switch_statement":
            c = p.child_by_field_name("condition")
            conditional = True
            if cond is None and c is not None:
                cond = "switch " + cscan.norm(ctx.text(c))
        elif t == "case_statement":
            conditional = True
            if cond is None:
                v = p.child_by_field_name("value")
                cond = "case " + (cscan.norm(ctx.text(v)) if v is not None else "default")
        elif t == "conditional_expression":
            c = p.child_by_field_name("condition")
            if c is not None and child.id != c.id:
                conditional = True
                if cond is None:
                    cond = cscan.norm(ctx.text(c))
        elif t == "function_definition":
            func = _function_name(ctx, p)
            break
        child = p
        p = p.parent
    return _Where(func, in_loop, conditional, cond)


# ------------------------------------------------------------------------------------------
# Queries: special declarations, calls, ->vmsd assignments


def _count_errors(root: ts.Node) -> int:
    """ERROR and MISSING nodes, visiting only subtrees that contain an error."""
    n = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            n += 1
        for c in node.children:
            if c.has_error or c.is_missing:
                stack.append(c)
    return n


def _iter_hits(
    data: bytes, res: tuple[tuple[bytes, re.Pattern[bytes]], ...], present: frozenset[bytes]
) -> Iterator[re.Match[bytes]]:
    # Patterns start with a literal (fast search); the word boundary is checked here.
    seen: set[int] = set()
    for probe, rx in res:
        if probe in present:
            for m in rx.finditer(data):
                st = m.start(1)
                if st > 0 and (data[st - 1 : st].isalnum() or data[st - 1] == 0x5F):
                    continue
                if st not in seen:
                    seen.add(st)
                    yield m


def _run_locators(ctx: _Ctx, root: ts.Node, out: _Out) -> None:
    """Find the interesting nodes from regex hits on the bytes (no full-tree walk)."""
    data = ctx.data
    decls: list[tuple[ts.Node, str]] = []
    seen: set[int] = set()
    for m in _iter_hits(data, _DECL_TYPE_RES, ctx.present):
        node = root.descendant_for_byte_range(m.start(1), m.end(1))
        if node is None or node.type != "type_identifier":
            continue
        parent = node.parent
        if parent is None or parent.type != "declaration" or parent.id in seen:
            continue
        t = parent.child_by_field_name("type")
        if t is None or t.id != node.id:
            continue
        seen.add(parent.id)
        decls.append((parent, m.group(1).decode()))
    calls: list[tuple[ts.Node, str]] = []
    for m in _iter_hits(data, _CALL_RES, ctx.present):
        node = root.descendant_for_byte_range(m.start(1), m.end(1))
        if node is None or node.type != "identifier":
            continue
        parent = node.parent
        if parent is None or parent.type != "call_expression":
            continue
        f = parent.child_by_field_name("function")
        if f is None or f.id != node.id:
            continue
        calls.append((parent, m.group(1).decode()))
    if b"_machine_" in data:
        for m in _MACHINE_OPTS_RE.finditer(data):
            st = m.start()
            while st > 0 and (data[st - 1 : st].isalnum() or data[st - 1] == 0x5F):
                st -= 1
            node = root.descendant_for_byte_range(st, m.start() + 1)
            if node is None or node.type != "identifier":
                continue
            parent = node.parent
            if parent is not None and parent.type == "call_expression":
                f = parent.child_by_field_name("function")
                if f is not None and f.id == node.id:
                    calls.append((parent, ctx.text(node)))
    assigns: list[ts.Node] = []
    for m in _VMSD_ASSIGN_RE.finditer(data) if b"vmsd" in data else ():
        node = root.descendant_for_byte_range(m.start(1), m.end(1))
        if node is None or node.type != "field_identifier":
            continue
        fe = node.parent
        if fe is None or fe.type != "field_expression":
            continue
        asg = fe.parent
        if asg is None or asg.type != "assignment_expression":
            continue
        left = asg.child_by_field_name("left")
        if left is not None and left.id == fe.id:
            assigns.append(asg)
    # field arrays and interface arrays first, so vmsds/types can refer to them
    decls.sort(key=lambda dt: 0 if dt[1] in ("VMStateField", "InterfaceInfo") else 1)
    for d, dtype in decls:
        out.seen_decls.add(d.id)
        _read_special_decl(ctx, d, dtype, out)
    _read_calls(ctx, calls, out)
    _link_add_child(ctx, out)
    _read_vmsd_assigns(ctx, assigns, out)


def _decl_parts(ctx: _Ctx, decl: ts.Node) -> Iterator[tuple[str, bool, ts.Node]]:
    """(declared name, is_array, value node) for each `x = value` of a declaration."""
    for d in decl.children_by_field_name("declarator"):
        if d.type != "init_declarator":
            continue
        target = d.child_by_field_name("declarator")
        value = d.child_by_field_name("value")
        if target is None or value is None:
            continue
        is_array = False
        while target is not None and target.type in (
            "array_declarator",
            "pointer_declarator",
            "parenthesized_declarator",
        ):
            if target.type == "array_declarator":
                is_array = True
            target = target.child_by_field_name("declarator") or (
                target.named_children[0] if target.named_children else None
            )
        if target is None or target.type != "identifier":
            continue
        yield ctx.text(target), is_array, value


def _is_static(ctx: _Ctx, decl: ts.Node) -> bool:
    return any(
        c.type == "storage_class_specifier" and ctx.text(c) == "static" for c in decl.children
    )


def _read_special_decl(ctx: _Ctx, decl: ts.Node, dtype: str, out: _Out) -> None:
    for name, is_array, value in _decl_parts(ctx, decl):
        out.seen_names.add((dtype, name))
        vtext = ctx.text(value)
        line = value.start_point.row + 1
        if dtype == "VMStateDescription":
            if is_array:
                continue
            if value.type != "initializer_list":
                continue
            v = _parse_vmsd(
                ctx, name, vtext, line, decl.start_point.row + 1, decl.end_point.row + 1
            )
            if v is not None and name not in out.vmsd_names:
                out.vmsd_names.add(name)
                out.vmsds.append(replace(v, is_static=_is_static(ctx, decl)))
        elif dtype == "VMStateField" and is_array:
            body = cscan.brace_body(vtext)
            if body is not None:
                out.field_arrays[name] = (
                    _parse_fields(ctx, body[1], _line_of(vtext, body[0], line)),
                    line,
                )
        elif dtype == "TypeInfo":
            fn = (
                _where(ctx, decl).function
                if decl.parent is not None and decl.parent.type != "translation_unit"
                else None
            )
            _read_typeinfo(ctx, name, is_array, vtext, line, out, scope=fn)
        elif dtype == "Property" and is_array:
            _read_props(ctx, name, vtext, line, out)
        elif dtype == "GlobalProperty" and is_array:
            fn = _where(ctx, decl).function
            _read_compat(ctx, name, vtext, line, value.end_point.row + 1, fn, out)
        elif dtype == "InterfaceInfo" and is_array:
            out.interface_arrays[name] = _interfaces_from(ctx, vtext)
        elif dtype == "SysemuCPUOps":
            _read_legacy_vmsd(ctx, name, vtext, line, out)
    # `static const VMStateDescription *subs[] = { &a, NULL }` arrays
    if dtype == "VMStateDescription":
        for name, is_array, value in _decl_parts(ctx, decl):
            if is_array:
                out.subsection_arrays[name] = _ptr_list(ctx.text(value))


# ------------------------------------------------------------------------------------------
# VMStateDescription


def _ptr_list(text: str) -> tuple[str, ...]:
    body = cscan.brace_body(text)
    if body is None:
        return ()
    res: list[str] = []
    for _, piece in cscan.split_top(cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]):
        s = cscan.strip_casts(piece)
        ident = cscan.ident_or_none(s)
        if ident is None or ident in ("NULL", "0"):
            continue
        res.append(ident)
    return tuple(res)


def _parse_vmsd(
    ctx: _Ctx, c_name: str, vtext: str, vline: int, line: int, end_line: int
) -> Vmsd | None:
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
    hooks: list[tuple[str, str]] = []
    unmigratable = False
    priority: str | None = None
    clean = cscan.strip_comments(btext)
    for off, member, value in cscan.designated_members(clean):
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
                fline = _line_of(vtext, boff + off + inner[0], vline)
                fields = _parse_fields(
                    ctx, btext[off + inner[0] : off + inner[0] + len(inner[1])], fline
                )
            else:
                fields_array = cscan.ident_or_none(cscan.strip_casts(vnorm)) or vnorm
        elif member == "subsections":
            n_subs += 1
            if "{" in value:
                subsections = _ptr_list(value)
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
    )


def _int_and_expr(ctx: _Ctx, text: str) -> tuple[int | None, str | None]:
    v = cscan.eval_int(text, ctx.lookup_int)
    if v is not None and cscan.is_int_literal(text):
        return v, None
    return v, text


def _parse_fields(ctx: _Ctx, body: str, base_line: int) -> tuple[VmstateField, ...]:
    """Parse the entries of a VMStateField list (text between the braces)."""
    clean, directives = cscan.strip_preproc_lines(cscan.strip_comments(body))
    table = ctx.table
    out: list[VmstateField] = []
    for off, piece in cscan.split_top(clean):
        s = piece.strip()
        if not s:
            continue
        lead = len(piece) - len(piece.lstrip())
        line = _line_of(body, off + lead, base_line)
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


def _finish_vmsds(ctx: _Ctx, out: _Out) -> list[Vmsd]:
    res: list[Vmsd] = []
    for v in out.vmsds:
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


# ------------------------------------------------------------------------------------------
# TypeInfo


def _interfaces_from(ctx: _Ctx, text: str) -> tuple[str, ...]:
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
    ctx: _Ctx, c_name: str, btext: str, line: int, origin: str, out: _Out
) -> TypeInfo:
    vals: dict[str, str] = {}
    interfaces: tuple[str, ...] = ()
    for _off, member, value in cscan.designated_members(cscan.strip_comments(btext)):
        if member == "interfaces":
            if "{" in value:
                interfaces = _interfaces_from(ctx, value)
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


def _read_typeinfo(
    ctx: _Ctx, name: str, is_array: bool, vtext: str, line: int, out: _Out, scope: str | None = None
) -> None:
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
        eline = _line_of(body[1], off + piece.find("{"), _line_of(vtext, body[0], line))
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


def _inside_define(clean: str, pos: int) -> bool:
    """True when the line at `pos` continues a `#define` (previous line ends with `\\`)."""
    ls = clean.rfind("\n", 0, pos)
    while ls > 0:
        prev_start = clean.rfind("\n", 0, ls) + 1
        prev = clean[prev_start:ls].rstrip("\r")
        if not prev.endswith("\\"):
            return False
        if prev.lstrip().startswith("#"):
            return True
        ls = prev_start - 1
    return False


def _object_define_types(ctx: _Ctx, text: str, out: _Out) -> None:
    clean = text  # comments already blanked by the caller
    for m in _OBJECT_DEFINE.finditer(clean):
        macro = m.group(1)
        if macro not in _OD_ARGS:
            continue
        if _inside_define(clean, m.start()):
            continue  # a use inside another macro's body (include/qom/object.h)
        close = cscan.match_close(clean, m.end() - 1)
        inner = clean[m.end() : close].replace("\\\r\n", " ").replace("\\\n", " ")
        args = [cscan.norm(a) for _, a in cscan.split_top(inner)]
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
                line=_line_of(clean, m.start(1), 1),
                origin="object_define",
            )
        )


def _fallback_scan(ctx: _Ctx, text: str, out: _Out) -> None:
    """Definitions tree-sitter lost inside ERROR nodes (or glued to a preceding macro call
    without `;`, e.g. `DEFINE_TYPES(x)`): regex + brace matching on the text."""
    clean: str | None = None
    for m in _fallback_hits(text):
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
        line = _line_of(text, m.start(1), 1)
        vline = _line_of(text, brace, 1)
        end_line = _line_of(text, close, 1)
        out.seen_names.add((kind, name))
        if kind == "VMStateDescription":
            v = _parse_vmsd(ctx, name, vtext, vline, line, end_line)
            if v is not None and name not in out.vmsd_names:
                out.vmsd_names.add(name)
                lstart = text.rfind("\n", 0, m.start()) + 1
                out.vmsds.append(replace(v, is_static="static" in text[lstart : m.start()]))
        elif kind == "TypeInfo":
            _read_typeinfo(ctx, name, bool(arr), vtext, vline, out)
        elif kind == "GlobalProperty":
            func = _function_at(out, line)
            _read_compat(ctx, name, vtext, vline, end_line, func, out)
        elif kind == "Property":
            _read_props(ctx, name, vtext, vline, out)
        elif kind == "VMStateField":
            body = cscan.brace_body(vtext)
            if body is not None:
                out.field_arrays[name] = (
                    _parse_fields(ctx, body[1], _line_of(vtext, body[0], vline)),
                    vline,
                )
        elif kind == "InterfaceInfo":
            out.interface_arrays[name] = _interfaces_from(ctx, vtext)
        ctx.notes.append(f"{kind} {name}: read by text fallback (line {line})")


def _fallback_hits(text: str) -> Iterator[re.Match[str]]:
    for kind, rx in _FALLBACK_DEFS:
        if kind in text:
            yield from rx.finditer(text)


def _function_at(out: _Out, line: int) -> str | None:
    for name, start, end in out.functions:
        if start <= line <= end:
            return name
    return None


# ------------------------------------------------------------------------------------------
# Properties, compat arrays, legacy_vmsd


def _read_props(ctx: _Ctx, array: str, vtext: str, line: int, out: _Out) -> None:
    body = cscan.brace_body(vtext)
    if body is None:
        return
    base = _line_of(vtext, body[0], line)
    clean = cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]
    for off, piece in cscan.split_top(clean):
        s = piece.strip()
        if not s:
            continue
        pline = _line_of(body[1], off + len(piece) - len(piece.lstrip()), base)
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


def _read_compat(
    ctx: _Ctx, name: str, vtext: str, line: int, end_line: int, func: str | None, out: _Out
) -> None:
    body = cscan.brace_body(vtext)
    if body is None:
        return
    base = _line_of(vtext, body[0], line)
    clean = cscan.strip_preproc_lines(cscan.strip_comments(body[1]))[0]
    entries: list[CompatEntry] = []
    for off, piece in cscan.split_top(clean):
        inner = cscan.brace_body(piece)
        if inner is None or not inner[1].strip():
            continue
        eline = _line_of(body[1], off + piece.find("{"), base)
        slots = {"driver": "", "property": "", "value": ""}
        optional = False
        pos = 0
        for _, part in cscan.split_top(inner[1]):
            if not part.strip():
                continue
            dm = cscan.designated_members(part)
            if dm:
                k, v = dm[0][1], cscan.norm(dm[0][2])
            else:
                k = ("driver", "property", "value", "used", "optional")[pos] if pos < 5 else ""
                v = cscan.norm(part)
                pos += 1
            if k in slots:
                slots[k] = v
            elif k == "optional":
                optional = v not in ("false", "0")
        drv, prop, val = slots["driver"], slots["property"], slots["value"]
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


def _read_legacy_vmsd(ctx: _Ctx, name: str, vtext: str, line: int, out: _Out) -> None:
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
                    vmsd_line=_line_of(vtext, body[0] + off, line),
                )
            )


# ------------------------------------------------------------------------------------------
# Calls and ->vmsd assignments


def _call_args(ctx: _Ctx, call: ts.Node) -> tuple[str, ...]:
    a = call.child_by_field_name("arguments")
    if a is None:
        return ()
    t = ctx.text(a).strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    if not t.strip():
        return ()
    return tuple(cscan.norm(x) for _, x in cscan.split_top(cscan.strip_comments(t)))


def _arg(args: tuple[str, ...], i: int | None) -> str | None:
    if i is None or i >= len(args):
        return None
    return args[i]


def _read_calls(ctx: _Ctx, calls: list[tuple[ts.Node, str]], out: _Out) -> None:
    props_by_func: dict[str, list[tuple[str, int]]] = {}
    calls.sort(key=lambda c: c[0].start_byte)
    for node, fn in calls:
        args = _call_args(ctx, node)
        line = node.start_point.row + 1
        if fn in ("device_class_set_props", "device_class_set_props_n"):
            w = _where(ctx, node)
            arr = _arg(args, 1)
            if w.function is not None and arr is not None:
                props_by_func.setdefault(w.function, []).append(
                    (cscan.ident_or_none(arr) or arr, line)
                )
            continue
        if fn in _REGISTRATION_CALLS:
            vi, ii = _REGISTRATION_CALLS[fn]
            w = _where(ctx, node)
            vexpr = _arg(args, vi) if vi is not None else _arg(args, 0)
            out.registrations.append(
                VmstateRegistration(
                    call=fn,
                    vmsd=cscan.ident_or_none(vexpr) if vi is not None and vexpr else None,
                    vmsd_expr=vexpr or "",
                    instance_id=_arg(args, ii),
                    function=w.function,
                    in_loop=w.in_loop,
                    conditional=w.conditional,
                    condition=w.condition,
                    line=line,
                )
            )
            continue
        if fn in _CREATION_CALLS:
            ti, ci, pi = _CREATION_CALLS[fn]
            w = _where(ctx, node)
            target = _assigned_to(ctx, node)
            if fn == "object_initialize" and args:
                target = args[0]
            if target is not None:
                out.creation_targets[len(out.creations)] = target
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
                )
            )
            if fn not in _ALSO_CALLSITE:
                continue
        w = _where(ctx, node)
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
            )
        )
    out.class_inits.extend(
        ClassInit(
            function=f, vmsd=None, vmsd_member=None, props=tuple(a for a, _ in lst), line=lst[0][1]
        )
        for f, lst in props_by_func.items()
    )


def _assigned_to(ctx: _Ctx, call: ts.Node) -> str | None:
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


def _link_add_child(ctx: _Ctx, out: _Out) -> None:
    """Give `X = object_new(T)` the child name/parent of a later add_child(P, "n", X)."""
    for i, c in enumerate(out.creations):
        if c.call != "object_property_add_child" or len(c.args) < 3:
            continue
        key = _obj_key(c.args[2])
        for j in range(i - 1, -1, -1):
            prev = out.creations[j]
            if prev.function != c.function or prev.call == "object_property_add_child":
                continue
            tgt = out.creation_targets.get(j)
            if tgt is not None and _obj_key(tgt) == key:
                out.creations[j] = replace(prev, child_name=c.child_name, parent_expr=c.parent_expr)
                break


def _read_vmsd_assigns(ctx: _Ctx, assigns: list[ts.Node], out: _Out) -> None:
    by_func: dict[str, ClassInit] = {
        c.function: c for c in out.class_inits if c.vmsd_member is None and c.vmsd is None
    }
    extra: list[ClassInit] = []
    for a in assigns:
        left = a.child_by_field_name("left")
        right = a.child_by_field_name("right")
        op = a.child_by_field_name("operator")
        if left is None or right is None or (op is not None and ctx.text(op) != "="):
            continue
        w = _where(ctx, a)
        if w.function is None:
            continue
        member = cscan.norm(ctx.text(left)).replace(" ", "")
        rtext = cscan.norm(ctx.text(right))
        vmsd = cscan.ident_or_none(rtext)
        if vmsd == "NULL":
            vmsd = None
        line = a.start_point.row + 1
        base = by_func.get(w.function)
        if base is not None and base.vmsd_member is None:
            upd = replace(base, vmsd=vmsd, vmsd_member=member, vmsd_line=line)
            out.class_inits[out.class_inits.index(base)] = upd
            by_func[w.function] = upd
        else:
            extra.append(
                ClassInit(
                    function=w.function,
                    vmsd=vmsd,
                    vmsd_member=member,
                    props=base.props if base is not None else (),
                    line=line,
                    vmsd_line=line,
                )
            )
    out.class_inits.extend(extra)
    out.class_inits.sort(key=lambda c: (c.line, c.vmsd_line or 0))


# ------------------------------------------------------------------------------------------
# Other initializer arrays (CPU model tables, PCI id tables ...)

_SKIP_ARRAY_TYPES = frozenset(
    (*_SPECIAL_TYPES, "char", "int", "unsigned", "uint8_t", "uint16_t", "uint32_t", "uint64_t")
)


def _read_generic_array(ctx: _Ctx, decl: ts.Node, out: _Out) -> None:
    if decl.id in out.seen_decls:
        return
    for d in decl.children_by_field_name("declarator"):
        if d.type == "init_declarator":
            target = d.child_by_field_name("declarator")
            value = d.child_by_field_name("value")
            if (
                target is not None
                and target.type == "array_declarator"
                and value is not None
                and value.type == "initializer_list"
            ):
                break
    else:
        return
    tnode = decl.child_by_field_name("type")
    if tnode is None:
        return
    ttext = cscan.norm(ctx.text(tnode))
    if ttext in _SKIP_ARRAY_TYPES or ttext.startswith("VMState") or "(" in ttext:
        return
    for name, is_array, value in _decl_parts(ctx, decl):
        if not is_array or value.type != "initializer_list":
            continue
        first = value.named_children[0] if value.named_children else None
        if first is None or first.type not in ("initializer_list", "initializer_pair"):
            continue
        if first.type == "initializer_pair" and not any(
            c.type == "subscript_designator" for c in first.children
        ):
            continue
        text = cscan.norm(cscan.strip_comments(ctx.text(value)))
        out.arrays.append(
            InitializerArray(
                name=name,
                struct_type=ttext,
                text=text,
                line=decl.start_point.row + 1,
                end_line=decl.end_point.row + 1,
            )
        )


# ------------------------------------------------------------------------------------------
# Function facts for vmsd callbacks (hooks, .needed, _TEST predicates)

_CAST_DECL = re.compile(
    r"(?:const\s+)?(?:struct\s+)?(\w+)\s*\*\s*(?:const\s+)?\w+\s*=\s*"
    r"(?:\(\s*(?:const\s+)?(?:struct\s+)?\w+\s*\*\s*\)\s*)?(?:\w+\s*\(\s*)?(\w+)\s*\)?\s*;"
)
# `FooClass *k = FOO_GET_CLASS(opaque);` looks up the class: not a view of the instance.
_CLASS_LOOKUP = re.compile(r"=\s*\w+_GET_CLASS\s*\(")
_CAST_EXPR = re.compile(r"\(\s*(?:const\s+)?(?:struct\s+)?(\w+)\s*\*\s*\)\s*(\w+)")
_RETURN = re.compile(r"\breturn\b([^;]*);")
_MEMBER_READ = re.compile(r"(?:\b\w+|\))\s*->\s*(\w+(?:\s*(?:\.|->)\s*\w+)*)")


def _function_infos(ctx: _Ctx, out: _Out, vmsds: list[Vmsd]) -> tuple[FunctionInfo, ...]:
    """FunctionInfo for every function of this file that a vmsd names as hook or _TEST."""
    wanted: list[str] = []
    for v in vmsds:
        wanted.extend(fn for _m, fn in v.hooks)
        wanted.extend(f.test for f in v.fields if f.test)
    res: list[FunctionInfo] = []
    for name in dict.fromkeys(wanted):
        node = out.function_nodes.get(name)
        if node is not None:
            res.append(_function_info(ctx, name, node))
    return tuple(res)


def _params(ctx: _Ctx, node: ts.Node) -> tuple[tuple[str, str], ...]:
    d = node.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator")
    if d is None:
        return ()
    plist = d.child_by_field_name("parameters")
    if plist is None:
        return ()
    out: list[tuple[str, str]] = []
    for p in plist.named_children:
        if p.type != "parameter_declaration":
            continue
        text = cscan.norm(cscan.strip_comments(ctx.text(p)))
        m = re.search(r"(\w+)\s*(\[[^\]]*\])?$", text)
        if m is None or text == "void":
            continue
        pname = m.group(1)
        ptype = text[: m.start()].strip()
        if not ptype:
            ptype, pname = pname, ""
        ptype = re.sub(r"\s*\*", " *", ptype).replace("* *", "**").strip()
        out.append((ptype, pname))
    return tuple(out)


def _function_info(ctx: _Ctx, name: str, node: ts.Node) -> FunctionInfo:
    params = _params(ctx, node)
    pnames = {p for _t, p in params if p}
    body_n = node.child_by_field_name("body")
    casts: list[tuple[str, str, int]] = []
    returns: list[str] = []
    reads: list[str] = []
    if body_n is not None:
        body = cscan.strip_comments(ctx.text(body_n))
        base = body_n.start_point.row + 1
        for rx in (_CAST_DECL, _CAST_EXPR):
            for m in rx.finditer(body):
                target, src = m.group(1), m.group(2)
                if _CLASS_LOOKUP.search(m.group(0)):
                    continue
                if src in pnames and target not in ("void", "char"):
                    c = (src, target, _line_of(body, m.start(), base))
                    if c not in casts:
                        casts.append(c)
        casts.sort(key=lambda c: c[2])
        returns = [cscan.norm(m.group(1)) for m in _RETURN.finditer(body) if m.group(1).strip()]
        reads = list(
            dict.fromkeys(re.sub(r"\s+", "", m.group(1)) for m in _MEMBER_READ.finditer(body))
        )
    return FunctionInfo(
        name=name,
        line=node.start_point.row + 1,
        end_line=node.end_point.row + 1,
        params=params,
        casts=tuple(casts),
        returns=tuple(returns),
        member_reads=tuple(reads),
    )


# ------------------------------------------------------------------------------------------
# Top-level DEFINE_*MACHINE*(...) invocations (versioned machine types)


def _define_machine_macros(text: str, out: _Out) -> None:
    clean = text  # comments already blanked by the caller
    for m in _DEFINE_MACHINE_RE.finditer(clean):
        line = _line_of(clean, m.start(1), 1)
        if _function_at(out, line) is not None:
            continue
        close = cscan.match_close(clean, m.end() - 1)
        inner = clean[m.end() : close]
        args = tuple(cscan.norm(a) for _, a in cscan.split_top(inner)) if inner.strip() else ()
        out.calls.append(CallSite(call=m.group(1), args=args, function=None, line=line))


# ------------------------------------------------------------------------------------------
# class_init helpers: `sdhci_common_class_init(klass, data)` called from a class_init

_CALL_IN_BODY = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
_NOT_CALLS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "typeof"})


def _class_param(ctx: _Ctx, node: ts.Node) -> str | None:
    """The `ObjectClass *` parameter name of a class_init-like function, if any."""
    params = _params(ctx, node)
    if params and params[0][0].replace("const ", "") == "ObjectClass *" and params[0][1]:
        return params[0][1]
    return None


def _class_init_helpers(ctx: _Ctx, out: _Out) -> None:
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
            args = tuple(cscan.norm(a) for _, a in cscan.split_top(inner))
            if cls not in args:
                continue
            line = _line_of(body, m.start(), base)
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


# ------------------------------------------------------------------------------------------
# virtio_pci_types_register(&info): the TypeInfos hw/virtio/virtio-pci.c generates


def _virtio_pci_types(ctx: _Ctx, text: str, out: _Out) -> None:
    rx = re.compile(r"VirtioPCIDeviceTypeInfo[ \t]+(\w+)\s*=\s*\{")
    clean = text  # comments already blanked by the caller
    for m in rx.finditer(clean):
        name = m.group(1)
        if not re.search(r"virtio_pci_types_register\s*\(\s*&\s*" + name + r"\s*\)", clean):
            continue
        brace = m.end() - 1
        close = cscan.match_close(clean, brace)
        line = _line_of(clean, m.start(), 1)
        vals: dict[str, str] = {}
        interfaces: tuple[str, ...] = ()
        for _off, member, value in cscan.designated_members(clean[brace + 1 : close]):
            if member == "interfaces":
                interfaces = _interfaces_from(ctx, value) if "{" in value else ()
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


# ------------------------------------------------------------------------------------------
# TypeInfos registered in a loop over a static table (e1000, uhci, ehci, megasas ...)

_FOR_ARRAY = re.compile(r"\bfor\s*\([^;]*;[^;]*\b(?:ARRAY_SIZE|G_N_ELEMENTS)\s*\(\s*(\w+)\s*\)")
_MEMBER_ASSIGN = re.compile(r"\b(\w+)\s*\.\s*(\w+)\s*=\s*([^;]+);")


def _loop_registered_types(ctx: _Ctx, text: str, out: _Out) -> None:
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
        res.append((_line_of(clean, brace + 1 + off + piece.find("{"), 1), vals))
    return res


# ------------------------------------------------------------------------------------------
# Definitions generated by a file-local macro: `#define SPAPR_CAP_MIG_STATE(sname, cap) ...
# const VMStateDescription vmstate_spapr_cap_##sname = {...}` then `SPAPR_CAP_MIG_STATE(htm, X);`


_STR_OR_STRINGIFY = re.compile(r'"(?:\\.|[^"\\])*"|(?<!#)#\s*([A-Za-z_]\w*)')
_STR_OR_IDENT = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*')


def _expand_params(body: str, params: list[str], args: list[str]) -> str:
    """Substitute macro arguments with `#p` stringification and `a ## b` pasting."""
    mp = dict(zip(params, args, strict=True))

    def stringify(m: re.Match[str]) -> str:
        a = mp.get(m.group(1))
        if a is None:
            return m.group(0)
        return '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"'

    t = _STR_OR_STRINGIFY.sub(lambda m: m.group(0) if m.group(1) is None else stringify(m), body)
    t = _STR_OR_IDENT.sub(lambda m: mp.get(m.group(0), m.group(0)), t)
    return re.sub(r"\s*##\s*", "", t)


def _expand_generator_macros(ctx: _Ctx, text: str, out: _Out) -> None:
    clean = text  # comments already blanked by the caller
    for name, (params, body) in ctx.local_funcs.items():
        if "VMStateDescription" not in body and "TypeInfo" not in body:
            continue
        for m in re.finditer(r"^[ \t]*" + re.escape(name) + r"\s*\(", clean, re.M):
            close = cscan.match_close(clean, m.end() - 1)
            inner = clean[m.end() : close]
            args = [cscan.norm(a) for _, a in cscan.split_top(inner)] if inner.strip() else []
            if len(args) != len(params):
                continue
            exp = _expand_params(body, params, args)
            line = _line_of(clean, m.start(), 1)
            for hit in _fallback_hits(exp):
                kind, cname, arr = hit.group(1), hit.group(2), hit.group(3)
                if (kind, cname) in out.seen_names:
                    continue
                brace = hit.end() - 1
                vtext = exp[brace : cscan.match_close(exp, brace) + 1]
                out.seen_names.add((kind, cname))
                if kind == "VMStateDescription" and not arr:
                    v = _parse_vmsd(ctx, cname, vtext, line, line, line)
                    if v is not None:
                        out.vmsd_names.add(cname)
                        pre = exp[: hit.start()].rsplit(";", 1)[-1].rsplit("}", 1)[-1]
                        out.vmsds.append(replace(v, is_static="static" in pre))
                elif kind == "TypeInfo":
                    _read_typeinfo(ctx, cname, bool(arr), vtext, line, out)
                else:
                    continue
                ctx.notes.append(f"{kind} {cname}: generated by {name}() at line {line}")
