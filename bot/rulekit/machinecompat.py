"""The effective compat entries of every versioned machine type a board file defines.

A machine type's compat set is what QEMU applies for it, through every style QEMU used:

- `static QEMUMachine pc_machine_v1_4 = { OPTS_MACRO, .name = "pc-1.4", .init = fn,
  .compat_props = (GlobalProperty[]) { PC_COMPAT_1_4, { "e1000", "x", "off" }, {} } }`
  (the options macro expanded, nested compat macros expanded);
- `DEFINE_I440FX_MACHINE(v2_3, "pc-i440fx-2.3", init, pc_i440fx_2_3_machine_options)` and
  `DEFINE_VIRT_MACHINE(10, 2)` / `DEFINE_SPAPR_MACHINE(2_12, "2.12")` with option functions
  that chain (`SET_MACHINE_COMPAT(m, PC_COMPAT_2_3)`, `compat_props_add(m->compat_props,
  hw_compat_2_3, hw_compat_2_3_len)`, calls to the next newer version's options);
- compat functions reached from the init or options functions (`pc_compat_1_7(args)` ->
  `x86_cpu_compat_disable_kvm_features(FEAT_1_ECX, CPUID_EXT_X2APIC)`, `has_acpi_build =
  false;` for a global some compat function of the file sets).

Entries are `Entry(kind, target, name, value)`: kind "prop" for a GlobalProperty (driver,
property, value), "call" for a call to a compat helper (function, "", arguments), "knob" for a
compat global (name, "", value). Everything is read from the board file's text, its model's
function spans and the side's `#define`s and compat arrays (callers pass them in): pure, and
bounded against hostile input (macro and call cycles, huge lists).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.model import cscan
from bot.model.entities import CompatEntry, FileModel
from bot.model.globalprop import global_property
from bot.rulekit.machines import FileFunctions

__all__ = [
    "Entry",
    "Machine",
    "MacroSource",
    "family",
    "machine_compat",
    "machine_version",
]

MAX_DEPTH = 24  # nested compat macros / options macros followed
MAX_ENTRIES = 4000  # entries kept per machine type
MAX_MACHINES = 300  # machine types read per file
MAX_FUNCTIONS = 200  # functions walked per machine type
MAX_TEXT = 2_000_000  # characters of a board file read

_MACRO = re.compile(r"[A-Z_][A-Z0-9_]*")
_STRUCT = re.compile(r"\b(?:QEMUMachine|MachineClass)\s+(\w+)\s*=\s*\{")
_NAME = re.compile(r'\.name\s*=\s*"([^"]{1,80})"')
_INIT = re.compile(r"\.init\s*=\s*(\w+)")
_COMPAT_PROPS = re.compile(r"\.compat_props\s*=\s*\(\s*GlobalProperty\s*\[\s*\]\s*\)\s*\{")
_SET_COMPAT = re.compile(r"\bSET_MACHINE_COMPAT\s*\(\s*\w+\s*,\s*(\w+)\s*\)")
_PROPS_ADD = re.compile(r"\bcompat_props_add\s*\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*(\w+)\s*,")
_EXT_CALL = re.compile(r"\b(\w*compat\w*)\s*\(([^;{}]{0,300})\)\s*;")
_KNOB_WRITE = re.compile(r"(?<![\w.>])([a-z_]\w*)\s*=(?!=)\s*([^;{}]{1,200});")
_STRINGIFY = re.compile(r"^stringify\s*\((.*)\)$", re.S)
_VERSIONED = re.compile(r"^(?P<fam>[A-Za-z][\w.-]*?)-(?P<maj>\d+)\.(?P<min>\d+)(?:\.\d+)?$")
# `DEFINE_VIRT_MACHINE(10, 2)`, `DEFINE_SPAPR_MACHINE(2_12, "2.12")`, `DEFINE_CCW_MACHINE(
# 2_4, "2.4", false)`, `DEFINE_I440FX_MACHINE(9, 2)`
_NUM_ARGS = re.compile(r"^(\d+)_(\d+)$")
_NOT_COMPAT_CALLS = frozenset({"compat_props_add", "SET_MACHINE_COMPAT"})

# Machine name prefixes of families whose DEFINE_*_MACHINE(maj, min) does not spell the name.
_FAMILY_OF_FILE = {
    "hw/i386/pc_piix.c": "pc-i440fx",
    "hw/i386/pc_q35.c": "pc-q35",
    "hw/arm/virt.c": "virt",
    "hw/m68k/virt.c": "virt",
    "hw/ppc/spapr.c": "pseries",
    "hw/s390x/s390-virtio-ccw.c": "s390-ccw-virtio",
}


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    """One compat setting a machine type gets."""

    kind: str  # "prop" | "call" | "knob"
    target: str  # driver, function or global
    name: str  # property ("" for call/knob)
    value: str  # value, or the call's arguments

    @property
    def key(self) -> tuple[str, str, str]:
        """What the entry configures (its value aside; a call's arguments are part of what
        it configures: `x86_cpu_compat_disable_kvm_features(FEAT_1_ECX, X2APIC)` and `(FEAT_KVM,
        PV_EOI)` are two settings)."""
        return (self.kind, self.target, self.value if self.kind == "call" else self.name)

    def describe(self) -> str:
        if self.kind == "prop":
            return f'{{ "{self.target}", "{self.name}", "{self.value}" }}'
        if self.kind == "call":
            return f"{self.target}({self.value})"
        return f"{self.target} = {self.value}"


@dataclass(frozen=True, slots=True)
class Machine:
    """A machine type of a board file and its effective compat entries."""

    name: str
    path: str
    line: int
    entries: frozenset[Entry]
    truncated: bool  # a bound was hit: the set may be incomplete


@dataclass(frozen=True, slots=True)
class MacroSource:
    """One side's look-ups: the raw body of an object-like macro, a compat array's entries,
    and how to resolve a string expression (`"qemu64-" TYPE_X86_CPU`)."""

    macro: Callable[[str], str | None]
    array: Callable[[str], tuple[CompatEntry, ...] | None]
    resolve: Callable[[str, str], str | None]  # (expression, seen from file) -> string


def machine_version(name: str) -> tuple[str, tuple[int, int]] | None:
    """(family, version) of a versioned machine type name; None for unversioned names."""
    m = _VERSIONED.match(name)
    if m is None:
        return None
    return family(m.group("fam")), (int(m.group("maj")), int(m.group("min")))


def family(prefix: str) -> str:
    """The chain a machine name prefix belongs to: pc-0.13 and pc-1.3 came before
    pc-i440fx-1.4 in the same chain."""
    return "pc-i440fx" if prefix == "pc" else prefix


class _Walker:
    """Expands one file's machine definitions; memoises nothing across files."""

    def __init__(self, path: str, text: str, model: FileModel, src: MacroSource) -> None:
        self.path = path
        self.text = cscan.strip_comments(text[:MAX_TEXT])
        self.fns = FileFunctions(text[:MAX_TEXT], model)
        self.src = src
        self.knobs = self._knobs()
        self._macro_memo: dict[str, tuple[frozenset[Entry], bool]] = {}

    # ---- compat globals -------------------------------------------------------------------
    def _knobs(self) -> frozenset[str]:
        """Globals some compat function of the file assigns (`gigabyte_align = false;`)."""
        out: set[str] = set()
        for fn in self.fns.names():
            if "compat" not in fn:
                continue
            body = self.fns.text(fn).split("{", 1)[-1]
            out.update(m.group(1) for m in _KNOB_WRITE.finditer(body))
        return frozenset(out)

    # ---- entries -------------------------------------------------------------------------
    def entry_of(self, piece: str) -> Entry | None:
        """A `{ .driver = ..., .property = ..., .value = ... }` initializer as an Entry."""
        inner = cscan.brace_body(piece)
        if inner is None or not inner[1].strip():
            return None
        g = global_property(inner[1])
        if not g.driver and not g.property:
            return None
        return Entry("prop", self.value(g.driver), self.value(g.property), self.value(g.value))

    def value(self, expr: str) -> str:
        """A driver/property/value expression as the string it stands for, when known."""
        e = cscan.norm(expr)
        m = _STRINGIFY.match(e)
        if m:
            inner = cscan.norm(m.group(1))
            got = self.src.resolve(inner, self.path) if _MACRO.fullmatch(inner) else None
            return got if got is not None else inner
        if len(e) >= 2 and e[0] == '"' and e[-1] == '"' and '"' not in e[1:-1]:
            return e[1:-1]
        got = self.src.resolve(e, self.path)
        return got if got is not None else e

    def list_entries(self, body: str, depth: int, seen: frozenset[str]) -> tuple[set[Entry], bool]:
        """Entries of a compat list body: `{...}` initializers and compat macros."""
        out: set[Entry] = set()
        trunc = False
        for _, piece in cscan.split_top(cscan.strip_preproc_lines(body)[0]):
            p = piece.strip()
            if not p:
                continue
            if p.startswith("{"):
                e = self.entry_of(p)
                if e is not None:
                    out.add(e)
            elif _MACRO.fullmatch(p):
                got, t = self.macro_entries(p, depth + 1, seen)
                out |= got
                trunc = trunc or t
            if len(out) > MAX_ENTRIES:
                return out, True
        return out, trunc

    def macro_entries(self, name: str, depth: int, seen: frozenset[str]) -> tuple[set[Entry], bool]:
        """Entries of a compat macro (`PC_COMPAT_1_4`), nested macros expanded (a cycle or a
        nesting deeper than MAX_DEPTH stops there and marks the set truncated)."""
        if name in seen or depth > MAX_DEPTH:
            return set(), True
        if name in self._macro_memo:
            got, t = self._macro_memo[name]
            return set(got), t
        raw = self.src.macro(name)
        if raw is None:
            arr = self.src.array(name.lower())
            if arr is None:
                return set(), True
            out = {e for e in (self._array_entry(ce) for ce in arr) if e is not None}
            self._macro_memo[name] = (frozenset(out), False)
            return out, False
        got_set, trunc = self.list_entries(raw, depth, seen | {name})
        self._macro_memo[name] = (frozenset(got_set), trunc)
        return got_set, trunc

    def _array_entry(self, ce: CompatEntry) -> Entry | None:
        drv = ce.driver if ce.driver else self.value(ce.driver_expr)
        prop = ce.property if ce.property else self.value(ce.property_expr)
        val = ce.value if ce.value is not None else self.value(ce.value_expr)
        if not drv and not prop:
            return None
        return Entry("prop", drv, prop, self.value(val) if ce.value is None else val)

    def array_entries(self, name: str, function: str | None) -> tuple[set[Entry], bool]:
        """Entries of a GlobalProperty array a `compat_props_add()` names (a function-local
        array first)."""
        arr = self.src.array(f"{function}:{name}") if function else None
        if arr is None:
            arr = self.src.array(name)
        if arr is None:
            if _MACRO.fullmatch(name):
                return self.macro_entries(name, 0, frozenset())
            return set(), True
        return {e for e in (self._array_entry(ce) for ce in arr) if e is not None}, False

    # ---- functions -----------------------------------------------------------------------
    def function_entries(self, roots: Iterable[str]) -> tuple[set[Entry], bool]:
        """What the functions reached from `roots` (file-local calls, cycles cut) apply."""
        out: set[Entry] = set()
        trunc = False
        seen: set[str] = set()
        todo = [r for r in roots if r]
        while todo:
            fn = todo.pop()
            if fn in seen:
                continue
            if len(seen) >= MAX_FUNCTIONS:
                return out, True
            seen.add(fn)
            body = self.fns.text(fn).split("{", 1)[-1]
            if not body:
                continue
            for m in _SET_COMPAT.finditer(body):
                got, t = self.macro_entries(m.group(1), 0, frozenset())
                out |= got
                trunc = trunc or t
            for m in _PROPS_ADD.finditer(body):
                got, t = self.array_entries(m.group(1), fn)
                out |= got
                trunc = trunc or t
            for m in _EXT_CALL.finditer(body):
                callee = m.group(1)
                if callee in _NOT_COMPAT_CALLS or callee in self.fns.names():
                    continue
                out.add(Entry("call", callee, "", cscan.norm(m.group(2))))
            for m in _KNOB_WRITE.finditer(body):
                if m.group(1) in self.knobs:
                    out.add(Entry("knob", m.group(1), "", cscan.norm(m.group(2))))
            todo.extend(sorted(self.fns.calls(fn) - seen))
            if len(out) > MAX_ENTRIES:
                return out, True
        return out, trunc

    # ---- machine definitions -------------------------------------------------------------
    def expand_options(self, body: str, depth: int = 0, seen: frozenset[str] = frozenset()) -> str:
        """A machine struct's initializer with its leading options macros expanded."""
        parts: list[str] = []
        for _, piece in cscan.split_top(body):
            p = piece.strip()
            if _MACRO.fullmatch(p) and depth < MAX_DEPTH and p not in seen:
                raw = self.src.macro(p)
                if raw is not None:
                    parts.append(self.expand_options(raw, depth + 1, seen | {p}))
                    continue
            parts.append(p)
        return ", ".join(parts)

    def struct_machines(self) -> list[Machine]:
        out: list[Machine] = []
        for m in _STRUCT.finditer(self.text):
            if len(out) >= MAX_MACHINES:
                break
            open_at = m.end() - 1
            close = cscan.match_close(self.text, open_at)
            if close < 0:
                continue
            body = self.expand_options(self.text[open_at + 1 : close])
            names = _NAME.findall(body)
            if not names:
                continue
            line = self.text.count("\n", 0, m.start()) + 1
            entries: set[Entry] = set()
            trunc = False
            lists = list(_COMPAT_PROPS.finditer(body))
            if lists:
                last = lists[-1]
                lclose = cscan.match_close(body, last.end() - 1)
                if lclose > 0:
                    got, trunc = self.list_entries(body[last.end() : lclose], 0, frozenset())
                    entries |= got
            inits = _INIT.findall(body)
            if inits:
                got, t = self.function_entries([inits[-1]])
                entries |= got
                trunc = trunc or t
            out.append(Machine(names[-1], self.path, line, frozenset(entries), trunc))
        return out

    def defined_machines(self, model: FileModel) -> list[Machine]:
        """Machines of `DEFINE_*MACHINE*(...)` invocations."""
        out: list[Machine] = []
        fam = _FAMILY_OF_FILE.get(self.path)
        fn_names = self.fns.names()
        for c in model.calls:
            if len(out) >= MAX_MACHINES:
                break
            if c.function is not None or not c.call.startswith("DEFINE_"):
                continue
            if "MACHINE" not in c.call or c.call.endswith("_MACHINE_IMPL"):
                continue
            args = [cscan.norm(a) for a in c.args]
            literal = [a[1:-1] for a in args if re.fullmatch(r'"[^"]*"', a)]
            roots = [a for a in args if a in fn_names]
            name: str | None = None
            ver: tuple[str, str] | None = None
            if literal and re.search(r"\d+\.\d+", literal[0]):
                if re.fullmatch(r"\d+\.\d+(?:\.\d+)?", literal[0]):
                    name = f"{fam}-{literal[0]}" if fam else None
                else:
                    name = literal[0]
                vm = re.search(r"(\d+)\.(\d+)", literal[0])
                ver = (vm.group(1), vm.group(2)) if vm else None
            elif len(args) >= 2 and args[0].isdigit() and args[1].isdigit() and fam:
                name = f"{fam}-{args[0]}.{args[1]}"
                ver = (args[0], args[1])
            elif args and _NUM_ARGS.match(args[0]) and fam:
                nm = _NUM_ARGS.match(args[0])
                assert nm is not None
                name = f"{fam}-{nm.group(1)}.{nm.group(2)}"
                ver = (nm.group(1), nm.group(2))
            if name is None:
                continue
            if not any("options" in r for r in roots) and ver is not None:
                tag = f"_{ver[0]}_{ver[1]}_"
                roots += sorted(f for f in fn_names if tag in f + "_" and "options" in f
                                and f.endswith("options"))  # fmt: skip
            entries, trunc = self.function_entries(roots)
            out.append(Machine(name, self.path, c.line, frozenset(entries), trunc))
        return out


def machine_compat(path: str, text: str, model: FileModel, src: MacroSource) -> dict[str, Machine]:
    """Versioned machine types the board file defines, by name, with their compat sets."""
    w = _Walker(path, text, model, src)
    out: dict[str, Machine] = {}
    for mach in w.struct_machines() + w.defined_machines(model):
        if machine_version(mach.name) is not None:
            out.setdefault(mach.name, mach)
    return out


def defines_lookup(
    unit: Iterable[FileModel], fallback: Callable[[str], Iterable[tuple[str, str]]] | None
) -> Callable[[str], str | None]:
    """`name -> raw body`: the unit's files first (their #defines as the change leaves
    them), then the tree's first definition."""
    own: dict[str, str] = {}
    for fm in unit:
        for d in fm.defines:
            if "(" not in d.name:
                own.setdefault(d.name, d.raw)

    def look(name: str) -> str | None:
        if name in own:
            return own[name]
        if fallback is not None:
            for _, raw in fallback(name):
                return raw
        return None

    return look


def arrays_lookup(
    arrays: Iterable[tuple[str, tuple[CompatEntry, ...]]],
) -> Callable[[str], tuple[CompatEntry, ...] | None]:
    """`array name -> entries` (the first array of each name)."""
    table: dict[str, tuple[CompatEntry, ...]] = {}
    for name, entries in arrays:
        table.setdefault(name, entries)
    return table.get


def index_by_name(machines: Mapping[str, Machine]) -> dict[str, dict[tuple[int, int], str]]:
    """family -> version -> machine name."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name in machines:
        fv = machine_version(name)
        if fv is not None:
            out.setdefault(fv[0], {})[fv[1]] = name
    return out
