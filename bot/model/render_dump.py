"""Render the source model in the JSON shape QEMU's `-dump-vmstate` prints.

QEMU (`migration/savevm.c`, `dump_vmstate_json_to_file`) walks every device class (abstract
ones included) and prints, for each class whose `dc->vmsd` is set, a section keyed by the QOM
type name: `Name`, `version_id`, `minimum_version_id`, `Description`. A Description has
`name`, `version_id`, `minimum_version_id`, then `Fields` only when `.fields` is set and
`Subsections` only when `.subsections` is set. A field has `field`, `version_id`,
`field_exists`, `num` (only for `VMS_ARRAY`), `size`, and a nested `Description` when
`.vmsd` is set. `VMSTATE_VALIDATE` entries (`VMS_MUST_EXIST`) are skipped.

Source analysis cannot know every value: `size` of a struct field is `sizeof` of a C struct,
a count may be an enum constant. Such values are rendered as `None` (JSON null) and their
paths are listed in `DumpRender.unknown`, so a comparison can skip exactly those.

The members of each field are computed by expanding the field's macro down to its designated
initializer: definitions found in the tree win (so a series that changes a wrapper macro is
rendered as it will be compiled), `bot.model.dump_macros` covers the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.model.dump_macros import BUILTIN_MACROS
from bot.model.entities import ClassInit, Define, FileModel, TypeInfo, Vmsd, VmstateField

Path = tuple[str | int, ...]
JSON = dict[str, Any]

_IDENT = re.compile(r"[A-Za-z_]\w*")
_WS = re.compile(r"\s+")
_MAX_DEPTH = 24

# sizeof() of the types vmstate macros name; everything else is a struct whose size only the
# compiler knows. Pointers are 8 bytes (64-bit hosts, which is what the dumps come from).
_SIZEOF: dict[str, int] = {
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

# The class-struct members that are DeviceClass::vmsd (what -dump-vmstate walks); other
# `->vmsd` members (VirtioDeviceClass, CPUClass legacy_vmsd ...) are not dumped.
_NOT_DEVICE_VMSD = ("vdc->", "legacy_vmsd", "vdc_", "VIRTIO_DEVICE_CLASS")


class DumpTree(Protocol):
    """What the renderer reads from a whole-tree index (bot.index.TreeIndex satisfies it)."""

    def vmsd(self, c_name: str) -> Vmsd | None:
        """A vmsd definition by C name anywhere in the tree."""
        ...

    def vmsd_path(self, c_name: str) -> str | None:
        """File defining that vmsd."""
        ...

    def type_ancestors(self, name: str) -> tuple[str, ...]:
        """Parent chain of a type name, nearest first."""
        ...

    def file_model(self, path: str) -> FileModel | None:
        """The model of one file."""
        ...


@dataclass(frozen=True, slots=True)
class MacroDef:
    """A function-like (params is a tuple) or object-like (params None) macro."""

    name: str
    params: tuple[str, ...] | None
    body: str
    origin: str  # path, or "builtin"


@dataclass(slots=True)
class DumpRender:
    """A rendered dump plus the side channel a comparison needs."""

    dump: JSON
    unknown: set[Path] = field(default_factory=set)  # paths whose value source cannot know
    notes: dict[str, list[str]] = field(default_factory=dict)  # type name -> gaps found
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # type -> (vmsd, path)

    def is_unknown(self, path: Path) -> bool:
        """Whether the value at `path` is a placeholder for something source cannot know."""
        return path in self.unknown


# --------------------------------------------------------------------------- macro text


def norm(text: str) -> str:
    """Collapse whitespace like the preprocessor's `#x` does."""
    return _WS.sub(" ", text).strip()


_SPLIT_TOKENS = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[()\[\]{},]")


def split_args(text: str) -> list[str]:
    """Split a macro argument list at top-level commas (brackets and strings respected)."""
    out: list[str] = []
    depth = 0
    start = 0
    for m in _SPLIT_TOKENS.finditer(text):
        c = m.group(0)
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(text[start : m.start()])
            start = m.end()
    out.append(text[start:])
    return [norm(a) for a in out]


def _close(text: str, i: int) -> int:
    """Index of the bracket closing the one at text[i] (len(text) if unbalanced)."""
    depth = 0
    for m in _SPLIT_TOKENS.finditer(text, i):
        c = m.group(0)
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return m.start()
    return len(text)


def _unparen(text: str) -> str:
    t = text.strip()
    while t.startswith("(") and _close(t, 0) == len(t) - 1:
        t = t[1:-1].strip()
    return t


def parse_builtin(text: str) -> dict[str, MacroDef]:
    """Parse the `NAME(params) body` lines of bot.model.dump_macros."""
    out: dict[str, MacroDef] = {}
    for line in text.splitlines():
        line = line.strip()
        m = _IDENT.match(line)
        if not m:
            continue
        name = m.group(0)
        rest = line[m.end() :]
        if rest.startswith("("):
            j = _close(rest, 0)
            params = tuple(p.strip() for p in rest[1:j].split(",") if p.strip())
            out[name] = MacroDef(name, params, rest[j + 1 :].strip(), "builtin")
        else:
            out[name] = MacroDef(name, None, rest.strip(), "builtin")
    return out


def macro_from_define(d: Define, origin: str) -> MacroDef | None:
    """A MacroDef from a Define entity (`NAME(a,b)` names are function-like)."""
    name = norm(d.name.replace("\\\n", " "))
    m = _IDENT.match(name)
    if not m:
        return None
    rest = name[m.end() :].strip()
    if rest.startswith("("):
        inner = rest[1 : _close(rest, 0)]
        params = tuple(p.strip() for p in inner.split(",") if p.strip())
        return MacroDef(m.group(0), params, d.raw, origin)
    return MacroDef(m.group(0), None, d.raw, origin)


def substitute(body: str, params: tuple[str, ...], args: list[str]) -> str:
    """Replace parameter identifiers in `body` by argument texts (`#p` stringifies)."""
    table = dict(zip(params, args, strict=False))
    if "..." in params:
        idx = params.index("...")
        table["__VA_ARGS__"] = ", ".join(args[idx:])

    def repl(m: re.Match[str]) -> str:
        hash_, ident = m.group(1), m.group(2)
        if ident in table:
            val = table[ident]
            if hash_:
                return '"' + norm(val).replace("\\", "\\\\").replace('"', '\\"') + '"'
            return val
        return m.group(0)

    # Pasting (##) is rare in vmstate wrappers: glue the halves after substitution.
    out = re.sub(r"(#\s*)?\b([A-Za-z_]\w*)\b", repl, body)
    return re.sub(r"\s*##\s*", "", out)


# --------------------------------------------------------------------------- field eval


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """The VMStateField members -dump-vmstate prints, as far as source can tell."""

    name: str | None
    version_id: int | None
    field_exists: bool
    flags: frozenset[str]
    num: int | None
    size: int | None
    vmsd: str | None
    resolved: bool  # False: the macro could not be expanded (facts come from the model)
    why: str = ""  # why something is unknown


class FieldEvaluator:
    """Expands a field macro to its initializer and evaluates the printed members."""

    def __init__(
        self,
        macro_lookup: Callable[[str, str], MacroDef | None],
        int_lookup: Callable[[str, str], int | None],
        obj_lookup: Callable[[str, str], str | None] | None = None,
        has_local: Callable[[str], bool] | None = None,
    ) -> None:
        self._has_local = has_local if has_local is not None else (lambda _p: True)
        self._text_memo: dict[tuple[str, str], list[dict[str, str]] | None] = {}
        self._macro = macro_lookup
        self._int = int_lookup
        self._obj_lookup = obj_lookup
        self._memo: dict[tuple[VmstateField, str], list[FieldFacts]] = {}

    def _obj(self, name: str, path: str) -> str | None:
        return self._obj_lookup(name, path) if self._obj_lookup is not None else None

    def expand(self, macro: str, args: list[str], path: str) -> list[dict[str, str]] | None:
        """Designated-initializer members of each field the macro expands to, or None.

        A wrapper may expand to several fields (`VMSTATE_PCI_HOTPLUG` gives three).
        """
        if macro == "<initializer>" and args:
            return self._expand_text(args[0], path, 0)  # a `{ .name = ... }` written inline
        if not args and self._macro(macro, path) is not None:
            d = self._macro(macro, path)
            if d is not None and d.params is None:  # object-like: VMSTATE_VIRTIO_DEVICE
                return self._expand_text(macro, path, 0)
        return self._expand_text(f"{macro}({', '.join(args)})", path, 0)

    def _expand_text(self, text: str, path: str, depth: int) -> list[dict[str, str]] | None:
        if depth > _MAX_DEPTH:
            return None
        key = (text, path if self._has_local(path) else "")
        if key in self._text_memo:
            return self._text_memo[key]
        got = self._expand_text1(text, path, depth)
        self._text_memo[key] = got
        return got

    def _expand_text1(self, text: str, path: str, depth: int) -> list[dict[str, str]] | None:
        out: list[dict[str, str]] = []
        for item in split_args(text):
            item = item.strip()
            if not item:
                continue
            if item.startswith("{"):
                members: dict[str, str] = {}
                for piece in split_args(item[1 : _close(item, 0)]):
                    m = re.match(r"\.\s*(\w+)\s*=(.*)$", piece, re.S)
                    if m:
                        members[m.group(1)] = m.group(2).strip()
                out.append(members)
                continue
            m = _IDENT.match(item)
            if not m:
                return None
            d = self._macro(m.group(0), path)
            if d is None:
                return None
            rest = item[m.end() :].strip()
            if d.params is None:
                sub = self._expand_text(d.body + rest, path, depth + 1)
            else:
                if not rest.startswith("("):
                    return None
                j = _close(rest, 0)
                call_args = split_args(rest[1:j]) if rest[1:j].strip() else []
                sub = self._expand_text(substitute(d.body, d.params, call_args), path, depth + 1)
            if sub is None:
                return None
            out.extend(sub)
        return out

    def int_expr(self, expr: str, path: str) -> int | None:
        """Evaluate a C integer constant expression (defines looked up in the tree)."""
        return _eval_int(expr, lambda n: self._int(n, path))

    def size_expr(self, expr: str, path: str) -> int | None:
        """Evaluate a `.size` expression; sizeof() of structs is unknown (None)."""
        out: list[str] = []
        i = 0
        while i < len(expr):
            m = re.compile(r"sizeof\s*\(").match(expr, i)
            if m:
                j = _close(expr, m.end() - 1)
                size = _sizeof(expr[m.end() : j])
                if size is None:
                    return None
                out.append(str(size))
                i = j + 1
                continue
            m2 = re.compile(r"(QEMU_BUILD_BUG_ON_ZERO|type_check_\w+)\s*\(").match(expr, i)
            if m2:
                j = _close(expr, m2.end() - 1)
                out.append("0")
                i = j + 1
                continue
            out.append(expr[i])
            i += 1
        return self.int_expr("".join(out), path)

    def facts(self, f: VmstateField, path: str) -> list[FieldFacts]:
        """Dump facts of the field(s) one entry expands to; the extractor's values otherwise."""
        key = (f, path)
        if key not in self._memo:
            self._memo[key] = self._compute(f, path)
        return self._memo[key]

    def _compute(self, f: VmstateField, path: str) -> list[FieldFacts]:
        expanded = self.expand(f.macro, list(f.args), path)
        if expanded is None:
            arr = "array" in f.flags
            return [
                FieldFacts(
                    name=f.name,
                    version_id=f.version_id,
                    field_exists=f.test is not None,
                    flags=frozenset({"VMS_ARRAY"} if arr else ()),
                    num=f.count_value if arr else None,
                    size=None,
                    vmsd=f.vmsd_ref,
                    resolved=False,
                    why=f"macro {f.macro} not expandable",
                )
            ]
        single = len(expanded) == 1
        return [self._facts(mem, f if single else None, path) for mem in expanded]

    def _facts(self, mem: dict[str, str], f: VmstateField | None, path: str) -> FieldFacts:
        flags = frozenset(_IDENT.findall(mem.get("flags", "")))
        name = _name_of(mem.get("name"), lambda n: self._obj(n, path))
        version = 0 if "version_id" not in mem else self.int_expr(mem["version_id"], path)
        test = _unparen(mem.get("field_exists", "NULL"))
        exists = test not in ("NULL", "0", "", "(void *)0", "((void *)0)")
        num: int | None = None
        why: list[str] = []
        if "VMS_ARRAY" in flags:
            num = self.int_expr(mem.get("num", "0"), path)
            if num is None and f is not None and f.count_value is not None:
                num = f.count_value
            if num is None:
                why.append(f"num `{mem.get('num')}`")
        size = 0 if "size" not in mem else self.size_expr(mem["size"], path)
        if size is None:
            why.append(f"size `{mem['size']}`")
        vmsd = None
        if "vmsd" in mem:
            v = _unparen(mem["vmsd"])
            if v.startswith("&"):
                v = _unparen(v[1:])
            vmsd = v if _IDENT.fullmatch(v) else None
        if version is None and f is not None and f.version_id:
            version = f.version_id
        if version is None:
            why.append(f"version `{mem.get('version_id')}`")
        if name is None and f is not None:
            name = f.name
        return FieldFacts(
            name=name,
            version_id=version,
            field_exists=exists,
            flags=flags,
            num=num,
            size=size,
            vmsd=vmsd,
            resolved=True,
            why="; ".join(why),
        )


def _name_of(expr: str | None, obj: Callable[[str], str | None]) -> str | None:
    """The string `.name` evaluates to; stringify() sees its argument macro-expanded."""
    if expr is None:
        return None
    t = _unparen(expr)
    m = re.fullmatch(r"(?:stringify|tostring)\s*\((.*)\)", t, re.S)
    if m:
        return norm(_expand_object_macros(m.group(1), obj))
    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', t)
    if lits and re.fullmatch(r'(\s*"(?:[^"\\]|\\.)*"\s*)+', t):
        return "".join(lits)
    return None


def _expand_object_macros(text: str, obj: Callable[[str], str | None], depth: int = 0) -> str:
    """Replace upper-case object-like macro names by their bodies (how stringify() sees
    `regs[NB_REGS]`); lower-case identifiers are member names and are left alone."""
    if depth > 8:
        return text

    def repl(m: re.Match[str]) -> str:
        body = obj(m.group(0))
        if body is None:
            return m.group(0)
        return _expand_object_macros(body, obj, depth + 1)

    return re.sub(r"\b[A-Z][A-Z0-9_]*\b", repl, text)


def _sizeof(type_text: str) -> int | None:
    t = norm(type_text)
    t = re.sub(r"\b(const|volatile|struct|union)\b", "", t)
    t = norm(t)
    if t.endswith("*"):
        return 8
    return _SIZEOF.get(t)


_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|[-+*/%()|&~^]))")


def _eval_int(expr: str, lookup: Callable[[str], int | None], depth: int = 0) -> int | None:
    """Small C integer expression evaluator (literals, defines, + - * / % << >> | & ~)."""
    t = expr.strip()
    if not t or depth > 8:
        return None
    pieces: list[str] = []
    pos = 0
    while pos < len(t):
        m = _TOKEN.match(t, pos)
        if not m or m.end() == pos:
            if not t[pos:].strip():
                break
            return None
        lit, ident, op = m.group(1), m.group(2), m.group(3)
        if lit is not None:
            if lit.lower().startswith("0x"):
                pieces.append(str(int(lit, 16)))
            elif len(lit) > 1 and lit.startswith("0"):
                pieces.append(str(int(lit, 8)))
            else:
                pieces.append(lit)
        elif ident is not None:
            v = lookup(ident)
            if v is None:
                return None
            pieces.append(f"({v})")
        else:
            pieces.append("//" if op == "/" else op)
        pos = m.end()
    src = " ".join(pieces)
    if not re.fullmatch(r"[\d\s()+\-*/%<>|&~^]*", src):
        return None
    try:
        val = eval(src, {"__builtins__": {}}, {})  # only digits and operators reach here
    except (ArithmeticError, SyntaxError, ValueError, TypeError, RecursionError):
        return None
    return val if isinstance(val, int) else None


# --------------------------------------------------------------------------- the renderer


class DumpRenderer:
    """Renders sections for a set of file models plus tree-wide lookups."""

    def __init__(
        self,
        models: Mapping[str, FileModel],
        tree: DumpTree | None = None,
        builtin: Mapping[str, MacroDef] | None = None,
    ) -> None:
        self.models = models
        self.tree = tree
        self.builtin = dict(builtin) if builtin is not None else parse_builtin(BUILTIN_MACROS)
        self._local_macros: dict[str, dict[str, MacroDef]] = {}
        self._local_ints: dict[str, dict[str, str]] = {}
        self._global_macros: dict[str, MacroDef] = {}
        self._global_ints: dict[str, str] = {}
        self._vmsds: dict[str, list[tuple[str, Vmsd]]] = {}
        self._class_inits_by_fn: dict[str, tuple[str, str]] | None = None
        self._include_ints: dict[str, str] = {}
        self._closure: dict[str, tuple[str, ...] | None] = {}
        self._ci_paths: dict[str, str] | None = None
        self._dir_ints: dict[str, dict[str, str]] = {}
        for path in sorted(models, key=_path_rank):
            fm = models[path]
            lm: dict[str, MacroDef] = {}
            li: dict[str, str] = {}
            for d in fm.defines:
                md = macro_from_define(d, path)
                if md is None:
                    continue
                if md.params is not None or md.name.startswith("VMSTATE_"):
                    lm.setdefault(md.name, md)
                if md.params is None:
                    li.setdefault(md.name, d.raw)
            self._local_macros[path] = lm
            self._local_ints[path] = li
            if path.endswith(".h"):  # what other files can see
                for k, mdef in lm.items():
                    self._global_macros.setdefault(k, mdef)
                for k, raw in li.items():
                    self._global_ints.setdefault(k, raw)
                    if path.startswith("include/"):
                        self._include_ints.setdefault(k, raw)
                    self._dir_ints.setdefault(_dirname(path), {}).setdefault(k, raw)
            for vm in fm.vmsds:
                self._vmsds.setdefault(vm.c_name, []).append((path, vm))
        for lst in self._vmsds.values():
            lst.sort(key=lambda pv: (_is_stub(pv[0]), pv[0].endswith(".h"), pv[0]))
        self.fields = FieldEvaluator(
            self._macro, self._int, self._obj, lambda p: bool(self._local_macros.get(p))
        )

    # lookups -------------------------------------------------------------------------
    def _macro(self, name: str, path: str) -> MacroDef | None:
        local = self._local_macros.get(path, {})
        if name in local:
            return local[name]
        if name in self._global_macros:
            return self._global_macros[name]
        return self.builtin.get(name)

    def _includes(self, path: str) -> tuple[str, ...] | None:
        """Headers `path` includes, transitively (None when the model has no #include facts)."""
        if path in self._closure:
            return self._closure[path]
        fm = self.models.get(path)
        if fm is None or not any(c.call == "#include" for c in fm.calls):
            self._closure[path] = None
            return None
        out: list[str] = []
        seen = {path}
        frontier = [path]
        while frontier and len(out) < 2000:
            nxt: list[str] = []
            for cur in frontier:
                m = self.models.get(cur)
                if m is None:
                    continue
                for c in m.calls:
                    if c.call != "#include" or not c.args:
                        continue
                    name = c.args[0].strip('"<> ')
                    for cand in (f"include/{name}", f"{_dirname(cur)}/{name}", name):
                        if cand in self.models and cand not in seen:
                            seen.add(cand)
                            out.append(cand)
                            nxt.append(cand)
                            break
            frontier = nxt
        self._closure[path] = tuple(out)
        return self._closure[path]

    def _obj(self, name: str, path: str) -> str | None:
        """Body of an object-like macro as `path` sees it: its own, then the headers it
        includes; without #include facts, its directory's headers and include/ (a same-named
        define in an unrelated header is not visible)."""
        raw = self._local_ints.get(path, {}).get(name)
        if raw is not None:
            return raw
        inc = self._includes(path)
        if inc is not None:
            for h in inc:
                raw = self._local_ints.get(h, {}).get(name)
                if raw is not None:
                    return raw
            return None
        if raw is None:
            raw = self._dir_ints.get(_dirname(path), {}).get(name)
        if raw is None:
            raw = self._include_ints.get(name)
        return raw

    def _int(self, name: str, path: str, depth: int = 0) -> int | None:
        raw = self._obj(name, path)
        if raw is None and self._includes(path) is None:
            # no #include facts: a count from any header beats nothing; with them, a name
            # not visible is an enum or unknown, never an unrelated header's define
            raw = self._global_ints.get(name)
        if raw is None or depth > 6:
            return None
        return _eval_int(raw, lambda n: self._int(n, path, depth + 1))

    def find_vmsd(self, c_name: str, near: str | None) -> tuple[str, Vmsd] | None:
        """The vmsd with this C name, preferring the file `near` (static names repeat)."""
        cands = self._vmsds.get(c_name, [])
        for p, v in cands:
            if p == near:
                return p, v
        if cands:
            return cands[0]
        if self.tree is not None:
            other = self.tree.vmsd(c_name)
            if other is not None:
                return self.tree.vmsd_path(c_name) or "", other
        return None

    # types ----------------------------------------------------------------------------
    def device_types(self) -> dict[str, tuple[str, str]]:
        """QOM type name -> (vmsd C name, path of the class_init) for every dumped type."""
        own: dict[str, tuple[str, str]] = {}
        parents: dict[str, str | None] = {}
        tree: Any = self.tree
        if tree is not None and hasattr(tree, "type_names") and hasattr(tree, "class_init_of"):
            for name in tree.type_names():
                rec = tree.type_record(name)
                ci = tree.class_init_of(name)
                parents[name] = rec.info.parent if rec is not None else None
                if rec is None:
                    continue
                if ci is not None and ci.vmsd and _is_device_vmsd(ci.vmsd_member):
                    own[name] = (ci.vmsd, self._class_init_path(rec.path, ci.function))
                elif ci is not None:
                    helper = self._helper_vmsd(self._class_init_path(rec.path, ci.function), ci)
                    if helper is None and ci.vmsd_member and _is_device_vmsd(ci.vmsd_member):
                        helper = self._class_data_vmsd(rec.path, rec.info)
                    if helper is not None:
                        own[name] = helper
        else:
            for path in sorted(self.models, key=_path_rank):
                fm = self.models[path]
                inits = {ci.function: ci for ci in fm.class_inits}
                for t in fm.types:
                    if not t.name or t.name in parents:
                        continue
                    parents[t.name] = t.parent
                    ci = inits.get(t.class_init or "")
                    if ci is None or not ci.vmsd or not _is_device_vmsd(ci.vmsd_member):
                        continue
                    own.setdefault(t.name, (ci.vmsd, path))
        out: dict[str, tuple[str, str]] = {}
        for name in parents:
            for anc in [name, *self._ancestors(name, parents)]:
                if anc in own:
                    out[name] = own[anc]
                    break
        return out

    def _helper_vmsd(self, path: str, ci: ClassInit) -> tuple[str, str] | None:
        """dc->vmsd set by a helper the class_init calls with its class (in another file)."""
        fm = self.models.get(path)
        if fm is None:
            return None
        if self._class_inits_by_fn is None:
            self._class_inits_by_fn = {}
            for p in sorted(self.models, key=_path_rank):
                for c in self.models[p].class_inits:
                    if c.vmsd and _is_device_vmsd(c.vmsd_member):
                        self._class_inits_by_fn.setdefault(c.function, (c.vmsd, p))
        for call in fm.calls:
            if call.function == ci.function and call.call in self._class_inits_by_fn:
                return self._class_inits_by_fn[call.call]
        return None

    def _class_data_vmsd(self, path: str, info: TypeInfo) -> tuple[str, str] | None:
        """`dc->vmsd = info->vmsd` where info is the class_data: for a type registered from a
        table (origin "loop"), the `.vmsd` of the table element whose `.name` is this type's."""
        fm = self.models.get(path)
        if fm is None or info.origin != "loop" or not info.name_expr:
            return None
        want = norm(info.name_expr)
        for arr in fm.arrays:
            body = arr.text[arr.text.find("{") + 1 : arr.text.rfind("}")]
            for elem in split_args(body):
                members = dict(
                    (m.group(1), norm(m.group(2)))
                    for m in (re.match(r"\.\s*(\w+)\s*=(.*)$", x, re.S)
                              for x in split_args(elem.strip()[1:-1]))
                    if m
                )
                if members.get("name") == want and "vmsd" in members:
                    v = _unparen(members["vmsd"]).lstrip("&").strip()
                    if _IDENT.fullmatch(v):
                        return v, path
        return None

    def _class_init_path(self, type_path: str, function: str) -> str:
        fm = self.models.get(type_path)
        if fm is not None and any(ci.function == function for ci in fm.class_inits):
            return type_path
        if self._ci_paths is None:
            self._ci_paths = {}
            for path in sorted(self.models, key=_path_rank):
                for ci in self.models[path].class_inits:
                    self._ci_paths.setdefault(ci.function, path)
        return self._ci_paths.get(function, type_path)

    def _ancestors(self, name: str, parents: Mapping[str, str | None]) -> list[str]:
        if self.tree is not None:
            anc = list(self.tree.type_ancestors(name))
            if anc:
                return anc
        out: list[str] = []
        cur = parents.get(name)
        while cur and cur not in out and len(out) < 64:
            out.append(cur)
            cur = parents.get(cur)
        return out

    # rendering -------------------------------------------------------------------------
    def render(self, types: Iterable[str] | None = None) -> DumpRender:
        """Render every device type with a vmsd (or only `types`)."""
        res = DumpRender(dump={})
        dev = self.device_types()
        wanted = sorted(dev) if types is None else [t for t in types if t in dev]
        for tname in sorted(set(wanted)):
            vmsd_name, path = dev[tname]
            res.origins[tname] = (vmsd_name, path)
            found = self.find_vmsd(vmsd_name, path)
            notes: list[str] = []
            if found is None:
                notes.append(f"vmsd {vmsd_name} not found")
                res.dump[tname] = {"Name": tname, "version_id": None, "minimum_version_id": None}
                res.unknown.update({(tname, "version_id"), (tname, "minimum_version_id")})
                res.unknown.add((tname, "Description"))
                res.notes[tname] = notes
                continue
            vpath, vmsd = found
            desc = self._vmsd(vmsd, vpath, (tname, "Description"), res, notes, ())
            sec: JSON = {
                "Name": tname,
                "version_id": desc["version_id"],
                "minimum_version_id": desc["minimum_version_id"],
                "Description": desc,
            }
            for key in ("version_id", "minimum_version_id"):
                if (tname, "Description", key) in res.unknown:
                    res.unknown.add((tname, key))
            res.dump[tname] = sec
            if notes:
                res.notes[tname] = notes
        return res

    def _vmsd(
        self,
        vmsd: Vmsd,
        path: str,
        at: Path,
        res: DumpRender,
        notes: list[str],
        stack: tuple[str, ...],
    ) -> JSON:
        out: JSON = {}
        name = vmsd.name
        if name is None and vmsd.name_expr and self.tree is not None:
            resolve = getattr(self.tree, "resolve_expr", None)
            cands = resolve(vmsd.name_expr, path) if callable(resolve) else ()
            name = cands[0] if cands else None
        if name is None:
            out["name"] = vmsd.name_expr
            res.unknown.add((*at, "name"))
            notes.append(f"{vmsd.c_name}: name `{vmsd.name_expr}` unresolved")
        else:
            out["name"] = name
        for key, val, expr in (
            ("version_id", vmsd.version_id, vmsd.version_expr),
            ("minimum_version_id", vmsd.minimum_version_id, vmsd.minimum_version_expr),
        ):
            v = val
            if v is None and expr:
                v = self.fields.int_expr(expr, path)
            if v is None and expr is None:
                v = 0  # member not initialised: zero
            if v is None:
                res.unknown.add((*at, key))
                notes.append(f"{vmsd.c_name}: {key} `{expr}` unresolved")
            out[key] = v
        if vmsd.fields or vmsd.fields_array:
            fl: list[JSON] = []
            idx = 0
            for f in vmsd.fields:
                if f.is_end:
                    break
                if f.info == "validate":
                    continue
                for facts in self.fields.facts(f, path):
                    if "VMS_MUST_EXIST" in facts.flags or "VMS_END" in facts.flags:
                        continue
                    fl.append(self._field(facts, f, path, (*at, "Fields", idx), res, notes, stack))
                    idx += 1
            out["Fields"] = fl
        if vmsd.subsections_initializers or vmsd.subsections:
            subs: list[JSON] = []
            for i, sub in enumerate(vmsd.subsections):
                sat: Path = (*at, "Subsections", i)
                found = self.find_vmsd(sub, path)
                if found is None or sub in stack:
                    notes.append(f"{vmsd.c_name}: subsection {sub} not found")
                    subs.append({"name": None, "version_id": None, "minimum_version_id": None})
                    res.unknown.add(sat)
                    continue
                subs.append(self._vmsd(found[1], found[0], sat, res, notes, (*stack, sub)))
            out["Subsections"] = subs
        return out

    def _field(
        self,
        facts: FieldFacts,
        f: VmstateField,
        path: str,
        at: Path,
        res: DumpRender,
        notes: list[str],
        stack: tuple[str, ...],
    ) -> JSON:
        out: JSON = {
            "field": facts.name,
            "version_id": facts.version_id,
            "field_exists": facts.field_exists,
        }
        if facts.version_id is None:
            res.unknown.add((*at, "version_id"))
        if "VMS_ARRAY" in facts.flags:
            out["num"] = facts.num
            if facts.num is None:
                res.unknown.add((*at, "num"))
        out["size"] = facts.size
        if facts.size is None:
            res.unknown.add((*at, "size"))
        if not facts.resolved:
            notes.append(f"line {f.line}: {facts.why}")
        if facts.vmsd:
            found = self.find_vmsd(facts.vmsd, path)
            if found is None or facts.vmsd in stack or len(stack) > _MAX_DEPTH:
                notes.append(f"line {f.line}: nested vmsd {facts.vmsd} not found")
                out["Description"] = None
                res.unknown.add((*at, "Description"))
            else:
                out["Description"] = self._vmsd(
                    found[1], found[0], (*at, "Description"), res, notes, (*stack, facts.vmsd)
                )
        return out


def _is_device_vmsd(member: str | None) -> bool:
    if member is None:
        return True
    return not any(x in member for x in _NOT_DEVICE_VMSD)


def _dirname(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _is_stub(path: str) -> bool:
    """Stub files define placeholder vmsds with the real names; never prefer them."""
    return "stub" in path.rsplit("/", 1)[-1] or path.startswith("stubs/")


def _path_rank(path: str) -> tuple[int, str]:
    """Headers under include/ first, so shared definitions beat local shadows."""
    return (0 if path.startswith("include/") else 1, path)


# --------------------------------------------------------------------------- public API


def _models_of(tree: Any) -> Mapping[str, FileModel]:
    """All file models a TreeIndex-like object holds."""
    for attr in ("models", "file_models", "_models"):
        m = getattr(tree, attr, None)
        if isinstance(m, Mapping):
            return m
    it = getattr(tree, "iter_models", None)
    if callable(it):
        return dict(it())
    paths = getattr(tree, "paths", None)
    if callable(paths):
        out: dict[str, FileModel] = {}
        for p in paths():
            fm = tree.file_model(p)
            if fm is not None:
                out[p] = fm
        return out
    raise TypeError(f"cannot list the file models of {type(tree).__name__}")


def render_dump_ex(tree: DumpTree, types: Iterable[str] | None = None) -> DumpRender:
    """Render the tree's device sections with the unknown-value side channel."""
    models = _models_of(tree)
    return DumpRenderer(models, tree).render(types)


def render_models(
    models: Mapping[str, FileModel], types: Iterable[str] | None = None
) -> DumpRender:
    """Render straight from file models (no index): handy for fixtures."""
    return DumpRenderer(models).render(types)


def render_dump(tree: DumpTree, types: Iterable[str] | None = None, machine: str = "") -> JSON:
    """The `-dump-vmstate` JSON object for a tree (unknown values are None)."""
    r = render_dump_ex(tree, types)
    return {"vmschkmachine": {"Name": machine}, **r.dump}


def iter_sections(dump: Mapping[str, Any]) -> Iterator[tuple[str, JSON]]:
    """(type name, section) pairs of a dump, without the vmschkmachine entry."""
    for k, v in dump.items():
        if k != "vmschkmachine" and isinstance(v, dict):
            yield k, v


def format_dump(dump: Mapping[str, Any]) -> str:
    """Text exactly as QEMU's fprintf-based writer lays it out (null for unknown values)."""
    mach = dump.get("vmschkmachine") or {}
    body: list[str] = [f'  "vmschkmachine": {{\n    "Name": "{mach.get("Name", "")}"\n  }}']
    for name, sec in iter_sections(dump):
        s = f'  "{name}": {{\n'
        s += f'    "Name": "{sec.get("Name")}",\n'
        s += f'    "version_id": {_num(sec.get("version_id"))},\n'
        s += f'    "minimum_version_id": {_num(sec.get("minimum_version_id"))},\n'
        s += _fmt_vmsd(sec.get("Description") or {}, 4, False)
        s += "\n  }"
        body.append(s)
    return "{\n" + ",\n".join(body) + "\n}\n"


def _num(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _fmt_vmsd(d: Mapping[str, Any], indent: int, sub: bool) -> str:
    pad, ipad = " " * indent, " " * (indent + 2)
    s = f"{pad}{{\n" if sub else f'{pad}"Description": {{\n'
    s += f'{ipad}"name": "{d.get("name")}",\n'
    s += f'{ipad}"version_id": {_num(d.get("version_id"))},\n'
    s += f'{ipad}"minimum_version_id": {_num(d.get("minimum_version_id"))}'
    if "Fields" in d:
        s += f',\n{ipad}"Fields": [\n'
        s += ",\n".join(_fmt_field(f, indent + 4) for f in d["Fields"])
        s += f"\n{ipad}]"
    if "Subsections" in d:
        s += f',\n{ipad}"Subsections": [\n'
        s += ",\n".join(_fmt_vmsd(x or {}, indent + 4, True) for x in d["Subsections"])
        s += f"\n{ipad}]"
    return s + f"\n{pad}}}"


def _fmt_field(f: Mapping[str, Any], indent: int) -> str:
    pad, ipad = " " * indent, " " * (indent + 2)
    s = f"{pad}{{\n"
    s += f'{ipad}"field": "{f.get("field")}",\n'
    s += f'{ipad}"version_id": {_num(f.get("version_id"))},\n'
    s += f'{ipad}"field_exists": {_num(f.get("field_exists"))},\n'
    if "num" in f:
        s += f'{ipad}"num": {_num(f.get("num"))},\n'
    s += f'{ipad}"size": {_num(f.get("size"))}'
    if f.get("Description") is not None:
        s += ",\n" + _fmt_vmsd(f["Description"], indent + 2, False)
    return s + f"\n{pad}}}"
