"""Per-file extraction state: the file's bytes and macros (name resolution), and the
accumulator the readers fill."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import tree_sitter as ts

from bot.model import cscan
from bot.model.entities import (
    CallSite,
    ClassInit,
    CompatArray,
    Define,
    InitializerArray,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
    VmstateField,
    VmstateRegistration,
)
from bot.model.macros import TYPE_NAME_HELPERS, MacroTable


@dataclass
class Ctx:
    """One file's bytes, its macros and the resolution of names and numbers through them."""

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
    # `.needed` of old-style `VMStateSubsection` entries: subsection vmsd C name -> function.
    subsection_needed: dict[str, str] = field(default_factory=dict)

    def text(self, node: ts.Node) -> str:
        """The source text of a node."""
        return decode(self.data[node.start_byte : node.end_byte])

    # -- strings ------------------------------------------------------------------------
    def lookup_str(self, name: str) -> str | None:
        """The string an object-like macro of this file (else of `ext_defines`) expands to."""
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
        """Function-like name helpers visible in this file."""
        return _FuncTable(self)

    def resolve(self, expr: str | None) -> str | None:
        """Resolve a C string expression (literal, TYPE_* macro, helper call) to a str."""
        if expr is None:
            return None
        return cscan.eval_string(expr, self.lookup_str, self.funcs())

    # -- ints ---------------------------------------------------------------------------
    def lookup_int(self, name: str) -> int | None:
        """The integer an object-like macro of this file expands to."""
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

    def __init__(self, ctx: Ctx) -> None:
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
                sub = cscan.STR_OR_IDENT.sub(lambda m: mp.get(m.group(0), m.group(0)), body)
                return cscan.eval_string(sub, ctx.lookup_str, self)

            return call
        if key.endswith("_TYPE_NAME"):
            sfx = self._suffix(key)
            if sfx is not None:
                return lambda args: args[0] + sfx if len(args) == 1 else None
        return TYPE_NAME_HELPERS[key]


def decode(b: bytes) -> str:
    """UTF-8, or latin-1 for a slice that is not (always a valid, printable str)."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def line_of(text: str, offset: int, base_line: int) -> int:
    """1-based line of `offset` in `text`, whose first line is `base_line`."""
    return base_line + text.count("\n", 0, offset)


@dataclass
class Out:
    """What the readers found so far in one file (mutable while one file is read)."""

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
    creation_bytes: dict[int, tuple[int, int]] = field(default_factory=dict)  # call's bytes
    register_in_loop: bool = False

    def function_at(self, line: int) -> str | None:
        """Name of the function definition spanning `line`, if any."""
        for name, start, end in self.functions:
            if start <= line <= end:
                return name
        return None
