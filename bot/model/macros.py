"""QEMU macro knowledge: VMSTATE_* field macros, DEFINE_PROP_*, type-name helpers.

The VMSTATE_* table is *derived*, not hand-typed: `bench/gen_vmstate_table.py` runs
`expand_vmstate_macros()` over QEMU's include/migration/vmstate.h and the wrapper headers
(pci_device.h, ptimer.h, clock.h, fifo8.h, virtio.h, ...) and writes `vmstate_table.py`:
for every macro its arity and the fully expanded `VMStateField` designated initializer with
the macro's parameters replaced by `@0@`, `@1@` ... Interpreting that initializer
(`interpret_field`) gives exactly what `-dump-vmstate` prints: the `.name` (`stringify(_f)`,
"unused", "tmp", "virtio"), `.version_id`, whether `.field_exists` is set, the nested
`.vmsd`, `.info`, `.size`, `.num` and `.flags`.

Files may define their own VMSTATE_* wrappers (`#define VMSTATE_FOO(f, s) VMSTATE_UINT32(...)`);
`extend_table()` expands those against the table so they are understood too (habit 4: teach
the table, never special-case in a rule). Unknown macros still produce a field with
info "unknown" and the first argument as its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from bot.model import cscan
from bot.model.vmstate_table import VMSTATE_MACROS as _GENERATED_MACROS
from bot.model.vmstate_table import VMSTATE_SOURCES

__all__ = [
    "C_TYPE_SIZES",
    "PROP_MACROS",
    "TYPE_NAME_HELPERS",
    "VMSTATE_ARITY_VARIANTS",
    "VMSTATE_MACROS",
    "VMSTATE_SOURCES",
    "FieldFacts",
    "MacroTable",
    "arg_roles",
    "expand_vmstate_macros",
    "extend_table",
    "interpret_field",
    "interpret_members",
    "no_test",
    "parse_macro_defines",
    "size_value",
    "sizeof_type",
    "templates_from_defines",
]

# Macros QEMU has since removed or renamed; older trees and patch series still use them.
# Appended after the headers by bench/gen_vmstate_table.py, so a current definition wins.
HISTORICAL_VMSTATE_DEFINES = """
#define VMSTATE_CPU() { .name = "parent_obj", .size = sizeof(CPUState), \\
    .vmsd = &vmstate_cpu_common, .flags = VMS_STRUCT, .offset = 0, }
"""

# (arity or None for object-like, ((member, expr-with-@i@-placeholders), ...))
MacroTemplate = tuple[int | None, tuple[tuple[str, str], ...]]
MacroTable = Mapping[str, MacroTemplate]

# Macros QEMU has since removed from include/migration/vmstate.h, which older trees (stable
# branches, distributions) still use: the generated table only knows master's. Written in
# the generated table's form from the last definition before the removal.
RETIRED_VMSTATE_MACROS: dict[str, MacroTemplate] = {
    # 2cf0148674 (Jan 2016) .. 3e996cc583 (Jan 2016): an inline struct array of known size
    "VMSTATE_STRUCT_VARRAY_KNOWN": (
        6,
        (
            ("name", "(stringify(@0@))"),
            ("num", "(@2@)"),
            ("version_id", "(@3@)"),
            ("vmsd", "&(@4@)"),
            ("size", "sizeof(@5@)"),
            ("flags", "VMS_STRUCT|VMS_ARRAY"),
            ("offset", "offsetof(@1@, @0@)"),
        ),
    ),
    # gone with 59046ec29a (Jan 2017): VMSTATE_VBUFFER with a start offset
    "VMSTATE_SUB_VBUFFER": (
        4,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size_offset", "vmstate_offset_value(@1@, @3@, int32_t)"),
            ("info", "&vmstate_info_buffer"),
            ("flags", "VMS_VBUFFER|VMS_POINTER"),
            ("offset", "offsetof(@1@, @0@)"),
            ("start", "(@2@)"),
        ),
    ),
}

# Older arities of macros master still defines (the template of the other arity): the
# VBUFFER family took a `_start` argument before 59046ec29a (Jan 2017), the _EQUAL family
# had no `_err_hint` before mid-2017. Written in the generated table's form from the
# definitions in 59046ec29a^:include/migration/vmstate.h; a use with master's arity never
# reads them.
VMSTATE_ARITY_VARIANTS: dict[tuple[str, int], MacroTemplate] = {
    ("VMSTATE_INT32_EQUAL", 2): (
        2,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(int32_t)"),
            ("info", "&(vmstate_info_int32_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, int32_t)"),
        ),
    ),
    ("VMSTATE_UINT16_EQUAL", 2): (
        2,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint16_t)"),
            ("info", "&(vmstate_info_uint16_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint16_t)"),
        ),
    ),
    ("VMSTATE_UINT16_EQUAL_V", 3): (
        3,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint16_t)"),
            ("info", "&(vmstate_info_uint16_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint16_t)"),
        ),
    ),
    ("VMSTATE_UINT32_EQUAL", 2): (
        2,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint32_t)"),
            ("info", "&(vmstate_info_uint32_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint32_t)"),
        ),
    ),
    ("VMSTATE_UINT32_EQUAL_V", 3): (
        3,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint32_t)"),
            ("info", "&(vmstate_info_uint32_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint32_t)"),
        ),
    ),
    ("VMSTATE_UINT64_EQUAL", 2): (
        2,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint64_t)"),
            ("info", "&(vmstate_info_uint64_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint64_t)"),
        ),
    ),
    ("VMSTATE_UINT64_EQUAL_V", 3): (
        3,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint64_t)"),
            ("info", "&(vmstate_info_uint64_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint64_t)"),
        ),
    ),
    ("VMSTATE_UINT8_EQUAL", 2): (
        2,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(0)"),
            ("field_exists", "(NULL)"),
            ("size", "sizeof(uint8_t)"),
            ("info", "&(vmstate_info_uint8_equal)"),
            ("flags", "VMS_SINGLE"),
            ("offset", "vmstate_offset_value(@1@, @0@, uint8_t)"),
        ),
    ),
    ("VMSTATE_VBUFFER", 6): (
        6,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(@3@)"),
            ("size_offset", "vmstate_offset_value(@1@, @5@, int32_t)"),
            ("info", "&vmstate_info_buffer"),
            ("flags", "VMS_VBUFFER|VMS_POINTER"),
            ("offset", "offsetof(@1@, @0@)"),
            ("start", "(@4@)"),
        ),
    ),
    ("VMSTATE_VBUFFER_ALLOC_UINT32", 6): (
        6,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(@3@)"),
            ("size_offset", "vmstate_offset_value(@1@, @5@, uint32_t)"),
            ("info", "&vmstate_info_buffer"),
            ("flags", "VMS_VBUFFER|VMS_POINTER|VMS_ALLOC"),
            ("offset", "offsetof(@1@, @0@)"),
            ("start", "(@4@)"),
        ),
    ),
    ("VMSTATE_VBUFFER_MULTIPLY", 7): (
        7,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(@3@)"),
            ("size_offset", "vmstate_offset_value(@1@, @5@, uint32_t)"),
            ("size", "(@6@)"),
            ("info", "&vmstate_info_buffer"),
            ("flags", "VMS_VBUFFER|VMS_POINTER|VMS_MULTIPLY"),
            ("offset", "offsetof(@1@, @0@)"),
            ("start", "(@4@)"),
        ),
    ),
    ("VMSTATE_VBUFFER_UINT32", 6): (
        6,
        (
            ("name", "(stringify(@0@))"),
            ("version_id", "(@2@)"),
            ("field_exists", "(@3@)"),
            ("size_offset", "vmstate_offset_value(@1@, @5@, uint32_t)"),
            ("info", "&vmstate_info_buffer"),
            ("flags", "VMS_VBUFFER|VMS_POINTER"),
            ("offset", "offsetof(@1@, @0@)"),
            ("start", "(@4@)"),
        ),
    ),
}

# master's macros, plus the retired ones master no longer defines
VMSTATE_MACROS: dict[str, MacroTemplate] = {**RETIRED_VMSTATE_MACROS, **_GENERATED_MACROS}

# Wire bytes of a VMStateInfo (vmstate-types.c); `None` = depends on .size or data.
INFO_WIRE_SIZE: dict[str, int | None] = {
    "bool": 1,
    "int8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "uint8": 1,
    "uint16": 2,
    "uint32": 4,
    "uint64": 8,
    "uint8_equal": 1,
    "uint16_equal": 2,
    "int32_equal": 4,
    "uint32_equal": 4,
    "uint64_equal": 8,
    "int32_le": 4,
    "fd": 4,
    "cpudouble": 8,
    "timer": 8,
    "nullptr": 1,
    "buffer": None,
    "unused_buffer": None,
    "bitmap": None,
    "tmp": None,
    "qtailq": None,
    "gtree": None,
    "qlist": None,
}

# VMStateInfo symbol suffix -> the entity's `info` kind.
_INFO_KIND = {
    "unused_buffer": "unused",
    "uint8_equal": "uint8",
    "uint16_equal": "uint16",
    "int32_equal": "int32",
    "uint32_equal": "uint32",
    "uint64_equal": "uint64",
    "int32_le": "int32",
}

# Nested VMSDs that mark a well-known family (entity comment: ptimer, pci ...).
_VMSD_KIND = {
    "vmstate_ptimer": "ptimer",
    "vmstate_pci_device": "pci",
}

# sizeof() of the C types vmstate macros name, on the 64-bit hosts dumps come from; any other
# type is a struct whose size only the compiler knows. One table for the wire sizes the
# extractor reports and the `.size` the dump renderer prints, so both agree.
C_TYPE_SIZES: dict[str, int] = {
    "bool": 1,
    "char": 1,
    "unsigned char": 1,
    "signed char": 1,
    "int8_t": 1,
    "uint8_t": 1,
    "__u8": 1,
    "int16_t": 2,
    "uint16_t": 2,
    "__u16": 2,
    "short": 2,
    "int32_t": 4,
    "uint32_t": 4,
    "__u32": 4,
    "int": 4,
    "unsigned": 4,
    "unsigned int": 4,
    "float": 4,
    "float32": 4,
    "int64_t": 8,
    "uint64_t": 8,
    "__u64": 8,
    "double": 8,
    "float64": 8,
    "CPU_DoubleU": 8,
    "long": 8,
    "unsigned long": 8,
    "size_t": 8,
    "hwaddr": 8,
    "ram_addr_t": 8,
    "MACAddr": 6,
    "Int128": 16,
}
POINTER_SIZE = 8
_QUALIFIERS = re.compile(r"\b(?:const|volatile|struct|union)\b")
_SIZEOF_CALL = re.compile(r"sizeof\s*\(")
# Compile-time checks that add 0 to a size (QEMU_BUILD_BUG_ON_ZERO, type_check_array ...).
_ZERO_CALL = re.compile(r"(?:QEMU_BUILD_BUG_ON_ZERO|type_check_\w+)\s*\(")
_NO_TEST = re.compile(r"NULL|0|\(\s*void\s*\*\s*\)\s*0|")


def sizeof_type(type_text: str) -> int | None:
    """`sizeof(type_text)` when source fixes it (base types, pointers); None for a struct."""
    t = cscan.norm(_QUALIFIERS.sub("", type_text))
    if t.endswith("*"):
        return POINTER_SIZE
    return C_TYPE_SIZES.get(t)


def size_value(expr: str, int_lookup: Callable[[str], int | None] | None = None) -> int | None:
    """The value of a `.size` expression: `sizeof` of base types and pointers, compile-time
    checks as 0, integer arithmetic on macros; None when it needs the size of a struct."""
    out: list[str] = []
    i = 0
    while i < len(expr):
        m = _SIZEOF_CALL.match(expr, i)
        if m:
            j = cscan.match_close(expr, m.end() - 1)
            size = sizeof_type(expr[m.end() : j])
            if size is None:
                return None
            out.append(str(size))
            i = j + 1
            continue
        m = _ZERO_CALL.match(expr, i)
        if m:
            out.append("0")
            i = cscan.match_close(expr, m.end() - 1) + 1
            continue
        out.append(expr[i])
        i += 1
    return cscan.eval_int("".join(out), int_lookup)


_VMS_FLAG_NAMES = {
    "VMS_ARRAY": "array",
    "VMS_POINTER": "pointer",
    "VMS_ARRAY_OF_POINTER": "array_of_pointer",
    "VMS_VARRAY_INT32": "varray",
    "VMS_VARRAY_UINT32": "varray",
    "VMS_VARRAY_UINT16": "varray",
    "VMS_VARRAY_UINT8": "varray",
    "VMS_STRUCT": "struct",
    "VMS_VSTRUCT": "vstruct",
    "VMS_BUFFER": "buffer",
    "VMS_VBUFFER": "vbuffer",
    "VMS_MULTIPLY": "multiply",
    "VMS_MULTIPLY_ELEMENTS": "multiply_elements",
    "VMS_ALLOC": "alloc",
    "VMS_MUST_EXIST": "must_exist",
    "VMS_SINGLE": "single",
    "VMS_END": "end",
}

_PLACEHOLDER = re.compile(r"@(\d+)@")
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """What a VMSTATE_* use means, computed from the expanded initializer."""

    name: str
    c_field: str | None
    struct: str | None
    version_id: int
    version_expr: str | None
    test: str | None
    vmsd_ref: str | None
    info: str
    elem_size: int | None
    count: str | None
    count_value: int | None
    flags: tuple[str, ...]
    dump_size_expr: str | None  # `.size` as the dump prints it (C sizeof text when not fixed)
    version_resolved: bool = True  # False: `version_expr` did not evaluate (version_id is 0)


# --------------------------------------------------------------------------------------
# Parsing and expanding #define VMSTATE_* definitions (used by the generator and per file)


def parse_macro_defines(
    text: str, prefix: str = "VMSTATE_"
) -> dict[str, tuple[list[str] | None, str]]:
    """`#define PREFIX...` definitions in a C text: name -> (params or None, body).

    Also takes function-like macros of any name whose body is a VMSTATE_* use
    (`#define SHPC_VMSTATE(f, t, test) VMSTATE_BUFFER_UNSAFE_INFO_TEST(...)`).
    Continuation lines are joined and comments dropped. The first definition of a name wins
    (QEMU's `#if TARGET_LONG_BITS == 64` branch comes first in include/migration/cpu.h).
    """
    src = cscan.strip_comments(text).replace("\\\r\n", " ").replace("\\\n", " ")
    out: dict[str, tuple[list[str] | None, str]] = {}
    pat = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?(.*)$")
    for line in src.splitlines():
        m = pat.match(line)
        if not m:
            continue
        name = m.group(1)
        if not name.startswith(prefix) and not (
            m.group(2) is not None and m.group(4).strip().startswith(prefix)
        ):
            continue
        if name in out:
            continue
        params = None
        if m.group(2) is not None:
            params = [p.strip() for p in m.group(3).split(",") if p.strip()]
        out[name] = (params, m.group(4).strip())
    return out


_SUBST_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|@\d+@|[A-Za-z_]\w*')


def _subst(body: str, mapping: Mapping[str, str]) -> str:
    """Replace whole identifiers (and @i@ placeholders) simultaneously."""

    def rep(m: re.Match[str]) -> str:
        return mapping.get(m.group(0), m.group(0))

    return _SUBST_TOKENS.sub(rep, body)


def _expand_body(
    body: str,
    defs: Mapping[str, tuple[list[str] | None, str]],
    table: MacroTable,
    depth: int = 0,
) -> str | None:
    """Expand VMSTATE_* uses in `body` until only a `{ ... }` initializer remains."""
    if depth > 20:
        return None
    t = body.strip()
    if t.startswith("{"):
        return t
    call = cscan.parse_call(t)
    if call is None:
        return None
    if call.name in defs:
        params, sub = defs[call.name]
        if params is None:
            if call.has_parens:
                return None
            return _expand_body(sub, defs, table, depth + 1)
        if len(params) != len(call.args):
            return None
        return _expand_body(
            _subst(sub, dict(zip(params, call.args, strict=True))), defs, table, depth + 1
        )
    if call.name in table:
        arity, members = table[call.name]
        if arity is None:
            if call.has_parens:
                return None
            return "{" + ", ".join(f".{m} = {e}" for m, e in members) + "}"
        if arity != len(call.args):
            return None
        mp = {f"@{i}@": f"{a}" for i, a in enumerate(call.args)}
        return "{" + ", ".join(f".{m} = {_subst(e, mp)}" for m, e in members) + "}"
    return None


def expand_vmstate_macros(
    texts: Iterable[str], base: MacroTable | None = None
) -> dict[str, MacroTemplate]:
    """Expand every `#define VMSTATE_*` found in `texts` into a field template.

    `base` supplies already known macros (so per-file wrappers can build on the table).
    Macros that do not expand to a designated initializer are skipped.
    """
    defs: dict[str, tuple[list[str] | None, str]] = {}
    for text in texts:
        for k, v in parse_macro_defines(text).items():
            defs.setdefault(k, v)
    return templates_from_defines(defs, base)


def templates_from_defines(
    defs: Mapping[str, tuple[list[str] | None, str]], base: MacroTable | None = None
) -> dict[str, MacroTemplate]:
    """Field templates for parsed `#define`s (name -> (params or None, body))."""
    table: MacroTable = base if base is not None else {}
    out: dict[str, MacroTemplate] = {}
    for name, (params, _body) in defs.items():
        if params is None:
            expanded = _expand_body(name, defs, table)
            arity = None
        else:
            ph = [f"@{i}@" for i in range(len(params))]
            expanded = _expand_body(f"{name}({', '.join(ph)})", defs, table)
            arity = len(params)
        if expanded is None:
            continue
        body = cscan.brace_body(expanded)
        if body is None:
            continue
        members = tuple(
            (m, cscan.norm(v)) for _, m, v in cscan.designated_members(body[1]) if v.strip()
        )
        out[name] = (arity, members)
    return out


def extend_table(
    defs: Mapping[str, tuple[list[str] | None, str]], table: MacroTable = VMSTATE_MACROS
) -> MacroTable:
    """The table plus the VMSTATE_* wrappers among a file's own `#define`s (which win)."""
    mine = {
        k: v
        for k, v in defs.items()
        if k.startswith("VMSTATE_") or (v[0] is not None and v[1].startswith("VMSTATE_"))
    }
    if not mine:
        return table
    extra = templates_from_defines(mine, base=table)
    if not extra:
        return table
    merged = dict(table)
    merged.update(extra)
    return merged


# --------------------------------------------------------------------------------------
# Interpreting one use


def _placeholders(expr: str) -> list[int]:
    return [int(x) for x in _PLACEHOLDER.findall(expr)]


def arg_roles(template: MacroTemplate) -> dict[str, int]:
    """Which macro argument plays which role (field, struct, version, test, vmsd, count, size,
    info, type), read off the expanded initializer."""
    _arity, members = template
    roles: dict[str, int] = {}
    mm = dict(members)
    name = mm.get("name", "")
    m = re.search(r"stringify\(\s*@(\d+)@\s*\)", name)
    if m:
        roles["field"] = int(m.group(1))
    off = mm.get("offset", "")
    call = cscan.parse_call(off)
    if call is not None and call.args:
        ph = _placeholders(call.args[0])
        if ph:
            roles["struct"] = ph[0]
        if "field" not in roles and len(call.args) > 1:
            ph = _placeholders(call.args[1])
            if ph:
                roles["field"] = ph[0]
    if "struct" not in roles:
        for expr in mm.values():
            mt = re.search(r"type_check_pointer\(\s*@(\d+)@", expr)
            if mt:
                roles["struct"] = int(mt.group(1))
    for role, member in (
        ("version", "version_id"),
        ("test", "field_exists"),
        ("vmsd", "vmsd"),
        ("info", "info"),
        ("struct_version", "struct_version_id"),
    ):
        ph = _placeholders(mm.get(member, ""))
        if ph:
            roles[role] = ph[0]
    ph = _placeholders(mm.get("num", ""))
    if ph:
        roles["count"] = ph[0]
    no = cscan.parse_call(mm.get("num_offset", ""))
    if no is not None and len(no.args) > 1:
        ph = _placeholders(no.args[1])
        if ph:
            roles["count"] = ph[0]
    size = mm.get("size", "")
    ms = re.match(r"\(?\s*sizeof\(\s*@(\d+)@", size)
    if ms:
        roles["type"] = int(ms.group(1))
    elif _placeholders(size):
        roles["size"] = _placeholders(size)[0]
    so = cscan.parse_call(mm.get("size_offset", ""))
    if so is not None and len(so.args) > 1:
        ph = _placeholders(so.args[1])
        if ph:
            roles["size"] = ph[0]
    return roles


def _sizeof(expr: str) -> tuple[int | None, str | None]:
    """(bytes, type text) for `sizeof(T)`; (None, T) when T's size is not fixed by source."""
    t = cscan.unparen(expr)
    m = re.fullmatch(r"sizeof\s*\((.*)\)", t, re.S)
    if not m:
        return None, None
    ty = cscan.norm(m.group(1))
    return sizeof_type(ty), ty


def no_test(text: str) -> bool:
    """Whether a `.field_exists` expression is no test at all (NULL, 0, `(void *)0`)."""
    return _NO_TEST.fullmatch(cscan.unparen(text)) is not None


def interpret_field(
    macro: str,
    args: tuple[str, ...],
    table: MacroTable = VMSTATE_MACROS,
    int_lookup: Callable[[str], int | None] | None = None,
    bare: bool = False,
) -> FieldFacts:
    """Facts for `macro(args)` (or a bare `macro` identifier when `bare`)."""
    tpl = table.get(macro)
    sym = _SYMBOLIC.get(macro)
    if (
        sym is not None
        and tpl is VMSTATE_MACROS.get(macro)
        and tpl is not None
        and tpl[0] is not None
        and not bare
        and tpl[0] == len(args)
    ):
        return _instantiate(sym, args, int_lookup)
    return _interpret(macro, args, table, int_lookup, bare)


def _interpret(
    macro: str,
    args: tuple[str, ...],
    table: MacroTable,
    int_lookup: Callable[[str], int | None] | None,
    bare: bool,
) -> FieldFacts:
    tpl = table.get(macro)
    if tpl is not None and not bare and tpl[0] is not None and tpl[0] != len(args):
        tpl = VMSTATE_ARITY_VARIANTS.get((macro, len(args)), tpl)  # an older tree's form
    if tpl is None or (tpl[0] is None) != bare or (tpl[0] is not None and tpl[0] != len(args)):
        return _unknown(macro, args)
    mp = {f"@{i}@": a for i, a in enumerate(args)}
    facts = interpret_members({k: _subst(v, mp) for k, v in tpl[1]}, int_lookup)
    if facts.c_field is None and "end" not in facts.flags:  # no offsetof(): struct by role
        roles = arg_roles(tpl)
        if "struct" in roles and roles["struct"] < len(args):
            facts = replace(facts, struct=args[roles["struct"]])
    return facts


def interpret_members(
    mm: Mapping[str, str],
    int_lookup: Callable[[str], int | None] | None = None,
    expand_name: Callable[[str], str] | None = None,
) -> FieldFacts:
    """Facts of one VMStateField designated initializer (member -> expression text).

    `expand_name` rewrites the argument of `stringify()` in `.name` as the preprocessor would
    (the dump renderer expands object-like macros there); without it the text is kept.
    """
    flags_raw = re.findall(r"VMS_\w+", mm.get("flags", ""))
    flags = tuple(dict.fromkeys(_VMS_FLAG_NAMES.get(f, f.lower()) for f in flags_raw))

    if "end" in flags:
        return FieldFacts("", None, None, 0, None, None, None, "end", None, None, None, flags, None)

    # name, exactly as dump_vmstate_vmsf prints field->name
    raw_name = cscan.unparen(mm.get("name", ""))
    ms = re.fullmatch(r"(?:stringify|tostring)\s*\((.*)\)", raw_name, re.S)
    if ms:
        arg = ms.group(1) if expand_name is None else expand_name(ms.group(1))
        name = cscan.norm(arg)
    else:
        lit = cscan.eval_string(raw_name, lambda _n: None)
        name = lit if lit is not None else cscan.norm(raw_name)

    c_field: str | None = None
    struct: str | None = None
    off = cscan.parse_call(mm.get("offset", ""))
    if off is not None and len(off.args) >= 2:
        struct, c_field = off.args[0], off.args[1]

    vexpr = cscan.unparen(mm.get("version_id", "0"))
    version = cscan.eval_int(vexpr, int_lookup)
    version_resolved = version is not None
    version_expr = None if version is not None and cscan.is_int_literal(vexpr) else vexpr
    if version is None:
        version = 0
    if version_expr == "0":
        version_expr = None

    test_raw = cscan.unparen(mm.get("field_exists", "NULL"))
    test = None if no_test(test_raw) else test_raw

    vmsd_raw = mm.get("vmsd")
    vmsd_ref = None
    if vmsd_raw is not None:
        vmsd_ref = cscan.ident_or_none(vmsd_raw) or cscan.norm(cscan.unparen(vmsd_raw).lstrip("&"))

    info_raw = mm.get("info")
    info_sym = cscan.ident_or_none(info_raw) if info_raw is not None else None
    info: str
    if "must_exist" in flags:
        info = "validate"
    elif info_sym is not None and info_sym.startswith("vmstate_info_"):
        base = info_sym[len("vmstate_info_") :]
        info = _INFO_KIND.get(base, base)
        if base not in INFO_WIRE_SIZE:
            info = "custom"
    elif info_sym == "virtio_vmstate_info":
        info = "virtio"
    elif info_raw is not None:
        info = "custom"
    elif vmsd_ref is not None:
        info = _VMSD_KIND.get(vmsd_ref, "struct")
    else:
        info = "unknown"

    # element size on the wire
    size_expr = mm.get("size")
    elem_size: int | None = None
    dump_size_expr: str | None = None
    if size_expr is not None:
        n, ty = _sizeof(size_expr)
        if ty is not None:
            dump_size_expr = f"sizeof({ty})"
        else:
            dump_size_expr = cscan.norm(cscan.unparen(size_expr))
        base_info = (
            info_sym[len("vmstate_info_") :]
            if info_sym and info_sym.startswith("vmstate_info_")
            else None
        )
        fixed = INFO_WIRE_SIZE.get(base_info) if base_info is not None else None
        if fixed is not None:
            elem_size = fixed
        elif info in ("buffer", "unused") and "vbuffer" not in flags:
            elem_size = n if ty is not None else cscan.eval_int(size_expr, int_lookup)

    count: str | None = None
    count_value: int | None = None
    if "varray" in flags:
        no = cscan.parse_call(mm.get("num_offset", ""))
        if no is not None and len(no.args) >= 2:
            count = no.args[1]
    elif "array" in flags and "must_exist" not in flags:
        num = mm.get("num")
        if num is not None:
            count = cscan.norm(cscan.unparen(num))
            count_value = cscan.eval_int(count, int_lookup)
    if info == "unused" and "varray" not in flags:
        count = None

    return FieldFacts(
        name=name,
        c_field=c_field,
        struct=struct,
        version_id=version,
        version_expr=version_expr,
        test=test,
        vmsd_ref=vmsd_ref,
        info=info,
        elem_size=elem_size,
        count=count,
        count_value=count_value,
        flags=flags,
        dump_size_expr=dump_size_expr,
        version_resolved=version_resolved,
    )


def _fill(s: str | None, args: tuple[str, ...]) -> str | None:
    if s is None or "@" not in s:
        return s
    return _PLACEHOLDER.sub(lambda m: args[int(m.group(1))], s)


def _instantiate(
    sym: FieldFacts, args: tuple[str, ...], int_lookup: Callable[[str], int | None] | None
) -> FieldFacts:
    """Fast path: the macro's facts computed once with `@i@` arguments, filled in."""
    version = sym.version_id
    version_expr = sym.version_expr
    version_resolved = sym.version_resolved
    if version_expr is not None and "@" in version_expr:
        vexpr = cscan.unparen(_fill(version_expr, args) or "")
        v = cscan.eval_int(vexpr, int_lookup)
        version = v if v is not None else 0
        version_resolved = v is not None
        version_expr = None if v is not None and cscan.is_int_literal(vexpr) else vexpr
        if version_expr == "0":
            version_expr = None
    count = _fill(sym.count, args)
    count_value = sym.count_value
    if (
        sym.count is not None
        and "@" in sym.count
        and count is not None
        and "varray" not in sym.flags
    ):
        count_value = cscan.eval_int(count, int_lookup)
    dump_size = _fill(sym.dump_size_expr, args)
    elem_size = sym.elem_size
    if (
        elem_size is None
        and sym.info in ("buffer", "unused")
        and "vbuffer" not in sym.flags
        and sym.dump_size_expr is not None
        and "@" in sym.dump_size_expr
        and dump_size is not None
    ):
        n, ty = _sizeof(dump_size)
        elem_size = n if ty is not None else cscan.eval_int(dump_size, int_lookup)
    name = _fill(sym.name, args) or ""
    if sym.name.startswith("@"):
        name = cscan.norm(name)
    test = _fill(sym.test, args)
    if test is not None:
        test = cscan.unparen(test)
        if no_test(test):
            test = None
    vmsd_ref = _fill(sym.vmsd_ref, args)
    if vmsd_ref is not None:
        vmsd_ref = cscan.ident_or_none(vmsd_ref) or cscan.norm(cscan.unparen(vmsd_ref).lstrip("&"))
    return FieldFacts(
        name=name,
        c_field=_fill(sym.c_field, args),
        struct=_fill(sym.struct, args),
        version_id=version,
        version_expr=version_expr,
        test=test,
        vmsd_ref=vmsd_ref,
        info=sym.info,
        elem_size=elem_size,
        count=count,
        count_value=count_value,
        flags=sym.flags,
        dump_size_expr=dump_size,
        version_resolved=version_resolved,
    )


def _build_symbolic(table: MacroTable) -> dict[str, FieldFacts]:
    """Per-macro facts with placeholder arguments, for macros whose info/flags/kind do not
    depend on an argument (custom VMStateInfo parameters take the slow path)."""
    out: dict[str, FieldFacts] = {}
    for name, (arity, members) in table.items():
        if arity is None:
            continue
        mm = dict(members)
        if _placeholders(mm.get("info", "")) or _placeholders(mm.get("flags", "")):
            continue
        nm = mm.get("name", "")
        if _placeholders(nm) and "stringify" not in nm:
            continue  # VMSTATE_VALIDATE("name", fn): the name is a C string expression
        args = tuple(f"@{i}@" for i in range(arity))
        facts = _interpret(name, args, table, None, False)
        if facts.version_expr is not None and "@" not in facts.version_expr:
            continue
        if facts.count is not None and "@" not in facts.count and facts.count_value is None:
            continue
        out[name] = facts
    return out


def _unknown(macro: str, args: tuple[str, ...]) -> FieldFacts:
    name = args[0] if args else macro
    return FieldFacts(
        name=name,
        c_field=args[0] if args else None,
        struct=args[1] if len(args) > 1 else None,
        version_id=0,
        version_expr=None,
        test=None,
        vmsd_ref=None,
        info="unknown",
        elem_size=None,
        count=None,
        count_value=None,
        flags=(),
        dump_size_expr=None,
    )


# --------------------------------------------------------------------------------------
# DEFINE_PROP_* (include/hw/core/qdev-properties.h): argument roles.
# name, struct, field are always args 0, 1, 2 for the macros below; `default` names the
# argument index of the default value (None: no default), `bit` the bit index argument.


@dataclass(frozen=True, slots=True)
class PropSpec:
    """Argument roles of one DEFINE_PROP_* macro."""

    default: int | None
    bit: int | None = None
    has_struct: bool = True


PROP_MACROS: dict[str, PropSpec] = {
    "DEFINE_PROP_BIT": PropSpec(default=4, bit=3),
    "DEFINE_PROP_BIT64": PropSpec(default=4, bit=3),
    "DEFINE_PROP_BOOL": PropSpec(default=3),
    "DEFINE_PROP_ON_OFF_AUTO": PropSpec(default=3),
    "DEFINE_PROP_ON_OFF_AUTO_BIT64": PropSpec(default=4, bit=3),
    "DEFINE_PROP_UINT8": PropSpec(default=3),
    "DEFINE_PROP_UINT16": PropSpec(default=3),
    "DEFINE_PROP_UINT32": PropSpec(default=3),
    "DEFINE_PROP_INT32": PropSpec(default=3),
    "DEFINE_PROP_UINT64": PropSpec(default=3),
    "DEFINE_PROP_INT64": PropSpec(default=3),
    "DEFINE_PROP_SIZE": PropSpec(default=3),
    "DEFINE_PROP_SIZE32": PropSpec(default=3),
    "DEFINE_PROP_UUID": PropSpec(default=None),
    "DEFINE_PROP_UUID_NODEFAULT": PropSpec(default=None),
    "DEFINE_PROP_STRING": PropSpec(default=None),
    "DEFINE_PROP_CHR": PropSpec(default=None),
    "DEFINE_PROP_NETDEV": PropSpec(default=None),
    "DEFINE_PROP_DRIVE": PropSpec(default=None),
    "DEFINE_PROP_DRIVE_IOTHREAD": PropSpec(default=None),
    "DEFINE_PROP_MACADDR": PropSpec(default=None),
    "DEFINE_PROP_LINK": PropSpec(default=None),
    "DEFINE_PROP_PCI_DEVFN": PropSpec(default=3),
    "DEFINE_PROP_BLOCKSIZE": PropSpec(default=None),
    "DEFINE_PROP_SIGNED": PropSpec(default=3),
    "DEFINE_PROP_SIGNED_NODEFAULT": PropSpec(default=None),
    "DEFINE_PROP_UNSIGNED": PropSpec(default=3),
    "DEFINE_PROP_UNSIGNED_NODEFAULT": PropSpec(default=None),
    "DEFINE_PROP_ARRAY": PropSpec(default=None),
    "DEFINE_PROP_REASON": PropSpec(default=None),
    "DEFINE_PROP_UINT8_ARRAY": PropSpec(default=None),
    "DEFINE_PROP_CPUS390ENTITLEMENT": PropSpec(default=3),
    "DEFINE_PROP_S390_CPU_TOPOLOGY": PropSpec(default=None),
    # wrappers with another prefix that still define one property
    "VIRTIO_DEFINE_PROP_FEATURE": PropSpec(default=4, bit=3),
}


def prop_spec(macro: str) -> PropSpec:
    """Roles for a DEFINE_PROP_* macro; unknown ones: (name, struct, field, default=arg 3)."""
    spec = PROP_MACROS.get(macro)
    if spec is not None:
        return spec
    if macro.endswith("_NODEFAULT"):
        return PropSpec(default=None)
    return PropSpec(default=3)


# --------------------------------------------------------------------------------------
# Type-name helper macros (function-like) seen in TYPE_* definitions.


def _suffix(sfx: str) -> Callable[[tuple[str, ...]], str | None]:
    def f(args: tuple[str, ...]) -> str | None:
        return args[0] + sfx if len(args) == 1 else None

    return f


# Values follow the 64-bit target where QEMU has `#ifdef TARGET_X86_64`-style variants.
TYPE_NAME_HELPERS: dict[str, Callable[[tuple[str, ...]], str | None]] = {
    "MACHINE_TYPE_NAME": _suffix("-machine"),
    "ACCEL_CLASS_NAME": _suffix("-accel"),
    "ACCEL_OPS_NAME": _suffix("-accel-ops"),
    "X86_CPU_TYPE_NAME": _suffix("-x86_64-cpu"),
    "ARM_CPU_TYPE_NAME": _suffix("-arm-cpu"),
    "AARCH64_CPU_TYPE_NAME": _suffix("-arm-cpu"),
    "RISCV_CPU_TYPE_NAME": _suffix("-riscv-cpu"),
    "POWERPC_CPU_TYPE_NAME": _suffix("-powerpc64-cpu"),
    "S390_CPU_TYPE_NAME": _suffix("-s390x-cpu"),
    "MIPS_CPU_TYPE_NAME": _suffix("-mips64-cpu"),
    "SPARC_CPU_TYPE_NAME": _suffix("-sparc64-cpu"),
    "M68K_CPU_TYPE_NAME": _suffix("-m68k-cpu"),
    "LOONGARCH_CPU_TYPE_NAME": _suffix("-loongarch-cpu"),
    "ALPHA_CPU_TYPE_NAME": _suffix("-alpha-cpu"),
    "AVR_CPU_TYPE_NAME": _suffix("-avr-cpu"),
    "HPPA_CPU_TYPE_NAME": _suffix("-hppa-cpu"),
    "MICROBLAZE_CPU_TYPE_NAME": _suffix("-microblaze-cpu"),
    "OPENRISC_CPU_TYPE_NAME": _suffix("-or1k-cpu"),
    "RX_CPU_TYPE_NAME": _suffix("-rx-cpu"),
    "SUPERH_CPU_TYPE_NAME": _suffix("-superh-cpu"),
    "TRICORE_CPU_TYPE_NAME": _suffix("-tricore-cpu"),
    "XTENSA_CPU_TYPE_NAME": _suffix("-xtensa-cpu"),
    "PNV_CHIP_TYPE_NAME": _suffix("-pnv-chip"),
    "PNV_CORE_TYPE_NAME": _suffix("-powernv-cpu-core"),
    "HEXAGON_CPU_TYPE_NAME": _suffix("-hexagon-cpu"),
    "SPAPR_CPU_CORE_TYPE_NAME": _suffix("-spapr-cpu-core"),
}


# Built once at import from the generated table (read-only afterwards).
_SYMBOLIC: dict[str, FieldFacts] = _build_symbolic(VMSTATE_MACROS)
