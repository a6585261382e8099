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
rendered as it will be compiled), the VMSTATE_* templates of `bot.model.macros` cover the rest,
and `macros.interpret_members` reads the initializer, as it does for the extractor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.model import cscan
from bot.model.defines import split_fn_name
from bot.model.entities import ClassInit, Define, FileModel, TypeInfo, Vmsd, VmstateField
from bot.model.macros import VMSTATE_MACROS, FieldFacts, MacroTable, interpret_members, size_value

if TYPE_CHECKING:
    from bot.model.tree import TypeRecord

Path = tuple[str | int, ...]
JSON = dict[str, Any]

_IDENT = re.compile(r"[A-Za-z_]\w*")
_PLACEHOLDER = re.compile(r"@(\d+)@")
_MAX_DEPTH = 24

# The class-struct members that are DeviceClass::vmsd (what -dump-vmstate walks); other
# `->vmsd` members (VirtioDeviceClass, CPUClass legacy_vmsd ...) are not dumped.
_NOT_DEVICE_VMSD = ("vdc->", "legacy_vmsd", "vdc_", "VIRTIO_DEVICE_CLASS")


class DumpTree(Protocol):
    """What the renderer reads from a whole-tree index (bot.model.tree.TreeIndex satisfies it)."""

    @property
    def models(self) -> Mapping[str, FileModel]:
        """Every file model of the tree, by path."""
        ...

    def vmsd(self, c_name: str) -> Vmsd | None:
        """A vmsd definition by C name anywhere in the tree."""
        ...

    def vmsd_path(self, c_name: str) -> str | None:
        """File defining that vmsd."""
        ...

    def type_names(self) -> tuple[str, ...]:
        """Every resolved QOM type name."""
        ...

    def type_record(self, name: str) -> TypeRecord | None:
        """The TypeInfo of a type name with its defining path and parent candidates."""
        ...

    def type_ancestors(self, name: str) -> tuple[str, ...]:
        """Parent chain of a type name, nearest first."""
        ...

    def class_init_of(self, type_name: str) -> ClassInit | None:
        """The ClassInit the type's TypeInfo.class_init names."""
        ...

    def resolve_expr(self, expr: str, path: str | None = None) -> tuple[str, ...]:
        """Candidate strings of a C expression, seen from `path`."""
        ...


@dataclass(frozen=True, slots=True)
class MacroDef:
    """A function-like (params is a tuple) or object-like (params None) macro."""

    name: str
    params: tuple[str, ...] | None
    body: str
    origin: str  # path, or "builtin"
    variadic: bool = False  # the last parameter takes the remaining arguments


@dataclass(slots=True)
class DumpRender:
    """A rendered dump plus the side channel a comparison needs."""

    dump: JSON
    unknown: set[Path] = field(default_factory=set)  # paths whose value source cannot know
    notes: dict[str, list[str]] = field(default_factory=dict)  # type name -> gaps found
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)  # type -> (vmsd, path)


# --------------------------------------------------------------------------- macro text


def _macro_def(head: str, body: str, origin: str) -> MacroDef | None:
    """A MacroDef from `NAME` or `NAME(a, b)` and its body."""
    head = cscan.norm(head)
    if "(" not in head:
        return MacroDef(head, None, body, origin) if _IDENT.fullmatch(head) else None
    split = split_fn_name(head)
    if split is None:
        return None
    name, params, variadic = split
    return MacroDef(name, params, body, origin, variadic)


def table_macros(table: MacroTable = VMSTATE_MACROS) -> dict[str, MacroDef]:
    """The VMSTATE_* templates of bot.model.macros as macro definitions (used where the
    tree being rendered does not define a macro itself: tests, partial trees)."""
    out: dict[str, MacroDef] = {}
    for name, (arity, members) in table.items():
        body = "{ " + ", ".join(f".{m} = {e}" for m, e in members) + " }"
        if arity is None:
            out[name] = MacroDef(name, None, body, "builtin")
        else:
            body = _PLACEHOLDER.sub(lambda m: f"_p{m.group(1)}", body)
            out[name] = MacroDef(name, tuple(f"_p{i}" for i in range(arity)), body, "builtin")
    return out


def macro_from_define(d: Define, origin: str) -> MacroDef | None:
    """A MacroDef from a Define entity (`NAME(a,b)` names are function-like)."""
    return _macro_def(d.name.replace("\\\n", " "), d.raw, origin)


# --------------------------------------------------------------------------- field eval


class FieldEvaluator:
    """Expands a field macro to its designated initializer(s) and reads them with
    bot.model.macros.interpret_members, names and numbers seen through the tree's macros."""

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
        self._memo: dict[tuple[VmstateField, str], tuple[FieldFacts, ...] | None] = {}

    def _obj(self, name: str, path: str) -> str | None:
        return self._obj_lookup(name, path) if self._obj_lookup is not None else None

    def expand(self, macro: str, args: list[str], path: str) -> list[dict[str, str]] | None:
        """Designated-initializer members of each field the macro expands to, or None.

        A wrapper may expand to several fields (`VMSTATE_PCI_HOTPLUG` gives three).
        """
        if macro == "<initializer>" and args:
            return self._expand_text(args[0], path, 0)  # a `{ .name = ... }` written inline
        if not args:
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
        for item in cscan.split_args(text):
            if not item:
                continue
            if item.startswith("{"):
                inner = item[1 : cscan.match_close(item, 0)]
                out.append({m: cscan.norm(v) for _, m, v in cscan.designated_members(inner)})
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
                j = cscan.match_close(rest, 0)
                call_args = cscan.split_args(rest[1:j]) if rest[1:j].strip() else ()
                body = cscan.substitute(d.body, d.params, call_args, d.variadic)
                sub = self._expand_text(body, path, depth + 1)
            if sub is None:
                return None
            out.extend(sub)
        return out

    def int_expr(self, expr: str, path: str) -> int | None:
        """Evaluate a C integer constant expression (defines looked up in the tree)."""
        return cscan.eval_int(expr, lambda n: self._int(n, path))

    def size_expr(self, expr: str, path: str) -> int | None:
        """Evaluate a `.size` expression; sizeof() of structs is unknown (None)."""
        return size_value(expr, lambda n: self._int(n, path))

    def facts(self, f: VmstateField, path: str) -> tuple[FieldFacts, ...] | None:
        """Facts of the field(s) one entry expands to; None when its macro does not expand."""
        key = (f, path)
        if key not in self._memo:
            expanded = self.expand(f.macro, list(f.args), path)
            self._memo[key] = (
                None
                if expanded is None
                else tuple(
                    interpret_members(
                        mem,
                        lambda n: self._int(n, path),
                        lambda t: _expand_object_macros(t, lambda n: self._obj(n, path)),
                    )
                    for mem in expanded
                )
            )
        return self._memo[key]


def _entity_facts(f: VmstateField) -> FieldFacts:
    """The extractor's reading of a field whose macro the renderer cannot expand."""
    return FieldFacts(
        name=f.name,
        c_field=f.c_field,
        struct=f.struct,
        version_id=f.version_id,
        version_expr=None,
        test=f.test,
        vmsd_ref=f.vmsd_ref,
        info=f.info,
        elem_size=f.elem_size,
        count=f.count,
        count_value=f.count_value,
        flags=("array",) if "array" in f.flags else (),
        dump_size_expr=None,
    )


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
        self.builtin = dict(builtin) if builtin is not None else table_macros()
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
        for path, fm in sorted(models.items(), key=lambda pm: _path_rank(pm[0])):
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
        return cscan.eval_int(raw, lambda n: self._int(n, path, depth + 1))

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
        tree = self.tree
        if tree is not None:
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
        want = cscan.norm(info.name_expr)
        for arr in fm.arrays:
            body = arr.text[arr.text.find("{") + 1 : arr.text.rfind("}")]
            for elem in cscan.split_args(body):
                inner = cscan.brace_body(elem)
                members = {
                    m: cscan.norm(v)
                    for _, m, v in cscan.designated_members(inner[1] if inner else "")
                }
                if members.get("name") == want and "vmsd" in members:
                    v = cscan.ident_or_none(members["vmsd"])
                    if v is not None:
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
            cands = self.tree.resolve_expr(vmsd.name_expr, path)
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
                expanded = self.fields.facts(f, path)
                if expanded is None:
                    notes.append(f"line {f.line}: macro {f.macro} not expandable")
                    at_f: Path = (*at, "Fields", idx)
                    facts = _entity_facts(f)
                    fl.append(self._field(facts, f, False, path, at_f, res, notes, stack))
                    idx += 1
                    continue
                single = f if len(expanded) == 1 else None
                for facts in expanded:
                    if "must_exist" in facts.flags or "end" in facts.flags:
                        continue
                    at_f = (*at, "Fields", idx)
                    fl.append(
                        self._field(facts, single, True, path, at_f, res, notes, stack, f.line)
                    )
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
        f: VmstateField | None,
        expanded: bool,
        path: str,
        at: Path,
        res: DumpRender,
        notes: list[str],
        stack: tuple[str, ...],
        line: int = 0,
    ) -> JSON:
        """One printed field. `f`: the entity when it is this field alone (its values fill
        what expansion left unknown); without `expanded` (facts read off the entity) the
        `.size` is unknown."""
        version: int | None = facts.version_id if facts.version_resolved else None
        if version is None and f is not None and f.version_id:
            version = f.version_id
        out: JSON = {
            "field": facts.name or (f.name if f is not None else None),
            "version_id": version,
            "field_exists": facts.test is not None,
        }
        if version is None:
            res.unknown.add((*at, "version_id"))
        if "array" in facts.flags:
            num = 0 if facts.count is None else facts.count_value
            if num is None and f is not None and f.count_value is not None:
                num = f.count_value
            out["num"] = num
            if num is None:
                res.unknown.add((*at, "num"))
        size: int | None = None
        if expanded:
            expr = facts.dump_size_expr
            size = 0 if expr is None else self.fields.size_expr(expr, path)
        out["size"] = size
        if size is None:
            res.unknown.add((*at, "size"))
        vmsd = cscan.ident_or_none(facts.vmsd_ref) if facts.vmsd_ref else None
        if vmsd:
            line = f.line if f is not None else line
            found = self.find_vmsd(vmsd, path)
            if found is None or vmsd in stack or len(stack) > _MAX_DEPTH:
                notes.append(f"line {line}: nested vmsd {vmsd} not found")
                out["Description"] = None
                res.unknown.add((*at, "Description"))
            else:
                out["Description"] = self._vmsd(
                    found[1], found[0], (*at, "Description"), res, notes, (*stack, vmsd)
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


def render_dump_ex(tree: DumpTree, types: Iterable[str] | None = None) -> DumpRender:
    """Render the tree's device sections with the unknown-value side channel."""
    return DumpRenderer(tree.models, tree).render(types)


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
