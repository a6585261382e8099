"""Whole-tree aggregation of per-file models: QOM hierarchy, vmsd users, compat arrays.

Pure: `TreeIndex` is built from a store path -> FileModel (a plain mapping, or bot.index's
store that loads models from its cache on demand) and answers the `TreeView` questions
(bot.model.view). The per-file models carry raw expressions (`name_expr`, `driver_expr`,
`type_expr`); TYPE_* macros are resolved here with the tree-wide `DefineTable`, because a
file's type names usually come from headers it includes.

Aggregates are computed lazily on first use, so `with_files()` (base tree + changed files,
the review path) costs only a dict copy until a question is asked. Rules never see a
TreeIndex: `view(paths)` loads those files and the tables first and returns a `TreeView`
that holds only memory.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from bot.model.defines import DefineTable
from bot.model.entities import (
    ClassInit,
    CompatArray,
    CompatEntry,
    FileModel,
    ObjectCreation,
    Property,
    StructDef,
    Vmsd,
)
from bot.model.layout import (
    size_ref_names_of_struct,
    size_ref_names_of_vmsd,
    sized_structs_of_call,
)
from bot.model.view import (
    PLUGGABLE_FAMILIES,
    VERSIONED_PATHS,
    TreeView,
    TypeRecord,
    path_matches,
    path_patterns,
)

__all__ = [
    "PLUGGABLE_FAMILIES",
    "VERSIONED_BOARDS",
    "VERSIONED_PATHS",
    "IndexStats",
    "ModelStore",
    "TreeIndex",
    "TypeRecord",
]


class ModelStore(Protocol):
    """path -> FileModel of one revision that may load models on demand (bot.index)."""

    def __getitem__(self, path: str, /) -> FileModel: ...

    def get(self, path: str, /) -> FileModel | None: ...

    def __iter__(self) -> Iterator[str]: ...

    def __len__(self) -> int: ...

    def __contains__(self, path: object, /) -> bool: ...

    def prefetch(self, paths: Iterable[str], /) -> None:
        """Load the models of several paths at once."""
        ...


# Files that ARE versioned machine definitions: every type they create is on such a machine.
VERSIONED_BOARDS: tuple[re.Pattern[str], ...] = path_patterns(
    r"^hw/i386/[^/]*\.c$",
    # the same boards before hw/<arch>/ (February/April 2013): older trees are reviewed too
    r"^hw/(?:pc|pc_piix|pc_q35|pc_sysfw|s390-virtio-ccw)\.c$",
    r"^hw/spapr[^/]*\.c$",
    r"^hw/arm/virt[^/]*\.c$",
    r"^hw/ppc/spapr[^/]*\.c$",
    r"^hw/s390x/[^/]*\.c$",
    r"^hw/m68k/virt\.c$",
)
_DYNAMIC_SYSBUS_CALLS = frozenset({"machine_class_allow_dynamic_sysbus_dev"})
_TYPE_MACRO_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What one bot.index.build_index run did (for logs, metrics and benchmarks)."""

    rev: str  # tree id
    files: int
    blobs: int
    cache_hits: int
    extracted: int
    failed: int
    list_seconds: float
    extract_seconds: float
    decode_seconds: float
    total_seconds: float
    cache_bytes: int
    cache_rebuilt: bool
    summary: bool = False  # restored from the per-revision summary (files/blobs then -1)


def _type_key(r: TypeRecord) -> tuple[bool, str, int]:
    return (r.path.endswith(".h"), r.path, r.info.line)


def _vmsd_key(pv: tuple[str, Vmsd]) -> tuple[bool, str, int]:
    return (pv[0].endswith(".h"), pv[0], pv[1].line)


# Tables of _Aggregate that bot.index stores, and where each list entry keeps its path
# (None: the entry is the path; class_inits/props are keyed by (path, name)).
_TABLES: tuple[str, ...] = (
    "types",
    "child_refs",
    "vmsds",
    "class_inits",
    "class_init_files",
    "types_by_class_init",
    "vmsd_users",
    "props",
    "prop_files",
    "compat",
    "creations",
    "dyn_refs",
    "embed_refs",
    "structs",
    "size_refs",
    "hook_refs",
    "stream_types",
    "define_users",
)
_PATH_POS: dict[str, int | None] = {
    "child_refs": 1,
    "vmsds": 0,
    "class_init_files": None,
    "types_by_class_init": 0,
    "vmsd_users": 0,
    "prop_files": None,
    "creations": 0,
    "embed_refs": 1,
    "structs": 0,
    "size_refs": 0,
    "hook_refs": 2,
    "stream_types": 0,
    "define_users": None,
}


# pointer types of stream functions that are never device or CPU state
_NOT_STATE_POINTERS = frozenset(
    {"QEMUFile", "void", "char", "uint8_t", "int8_t", "VMStateField", "JSONWriter", "Error",
     "VMStateDescription", "VMStateInfo", "QJSON", "uint16_t", "uint32_t", "uint64_t",
     "int16_t", "int32_t", "int64_t", "int", "unsigned", "size_t"}
)


def _entry_path(table: str) -> Callable[[Any], str]:
    """Getter of the file a list entry of `table` came from."""
    if table == "types":
        return lambda e: str(e.path)
    pos = _PATH_POS[table]
    if pos is None:
        return lambda e: str(e)
    return lambda e: str(e[pos])


class _Aggregate:
    """Everything derived from the whole set of models (built once per TreeIndex).

    Every table entry remembers the file it came from, so `delta()` can swap some files
    without revisiting the others, and bot.index can store the tables per revision (the
    entity-valued tables may then be lazily decoding mappings, see bot.index).
    """

    def __init__(self, models: Mapping[str, FileModel], defines: DefineTable | None = None) -> None:
        self.defines = defines if defines is not None else DefineTable(models)
        self.types: MutableMapping[str, list[TypeRecord]] = {}
        self.child_refs: dict[str, list[tuple[str, str]]] = {}  # parent -> (child, path)
        self.children: dict[str, list[str]] = {}
        self.vmsds: MutableMapping[str, list[tuple[str, Vmsd]]] = {}
        self.class_inits: MutableMapping[tuple[str, str], ClassInit] = {}
        self.class_init_files: dict[str, list[str]] = {}
        # class_init function -> (path, type name, whether that path defines the function)
        self.types_by_class_init: dict[str, list[tuple[str, str, bool]]] = {}
        self.vmsd_users: MutableMapping[str, list[tuple[str, ClassInit]]] = {}
        self.props: MutableMapping[tuple[str, str], list[Property]] = {}
        self.prop_files: dict[str, list[str]] = {}
        self.compat: list[tuple[str, CompatArray]] = []
        self.creations: MutableMapping[str, list[tuple[str, ObjectCreation]]] = {}
        self.dyn_refs: list[tuple[str, str]] = []  # (path, type name)
        self.embed_refs: dict[str, list[tuple[str, str]]] = {}  # vmsd -> (user vmsd, path)
        self.dynamic_sysbus: set[str] = set()
        # struct tag or typedef name -> (path, definition), headers and .c files alike
        self.structs: MutableMapping[str, list[tuple[str, StructDef]]] = {}
        # macro or struct name -> (path, "vmsd:<c_name>" | "struct:<name>") whose wire size
        # depends on it: field counts, member dimensions, structs of size-following fields
        self.size_refs: dict[str, list[tuple[str, str]]] = {}
        # function -> (vmsd C name, role: pre_save/post_load/needed/.../test, path) of the
        # vmsds naming it as a hook or _TEST predicate
        self.hook_refs: dict[str, list[tuple[str, str, str]]] = {}
        # pointer type (struct tag or typedef) -> (path, function) of the open-coded stream
        # functions that hold a pointer of that type (`Foo *s = opaque;`, `Foo *v = pv;`)
        self.stream_types: dict[str, list[tuple[str, str]]] = {}
        # macro name -> files whose entries here were resolved through it (found or not):
        # the files to revisit when a swap redefines it (TreeIndex.with_files)
        self.define_users: dict[str, list[str]] = {}
        for path in sorted(models):
            self._add_file(path, models[path])
        self._finish()

    def _finish(self) -> None:
        for recs in self.types.values():
            recs.sort(key=_type_key)
        for lst in self.vmsds.values():
            lst.sort(key=_vmsd_key)
        self.children = {p: sorted({c for c, _ in refs}) for p, refs in self.child_refs.items()}
        self.compat.sort(key=lambda pa: (pa[0], pa[1].line))
        self.dynamic_sysbus = {n for _, n in self.dyn_refs}
        self._versioned: frozenset[str] | None = None
        self._embedders: dict[str, set[str]] | None = None

    @classmethod
    def restored(cls, defines: DefineTable, tables: Mapping[str, object]) -> _Aggregate:
        """An aggregate from stored tables (bot.index summaries); no per-file work."""
        self = cls.__new__(cls)
        self.defines = defines
        for name in _TABLES:
            vars(self)[name] = tables[name]
        self.children = {p: sorted({c for c, _ in refs}) for p, refs in self.child_refs.items()}
        self.dynamic_sysbus = {n for _, n in self.dyn_refs}
        self._versioned = None
        self._embedders = None
        return self

    def delta(
        self,
        old: Mapping[str, FileModel | None],
        new: Mapping[str, FileModel | None],
        defines: DefineTable | None = None,
    ) -> _Aggregate:
        """This aggregate with files swapped (`old`: their models here, `new`: the
        replacements, None = absent; `defines`: the table with that swap, see
        DefineTable.swapped). Valid only when no entry of another file resolved through a
        macro the swap changes; other files are not revisited."""
        new_defines = defines if defines is not None else self.defines
        changed = set(old) | set(new)
        gone = _Aggregate({}, self.defines)
        for path in sorted(old):
            fm = old[path]
            if fm is not None:
                gone._add_file(path, fm)
        add = _Aggregate({}, new_defines)
        for path in sorted(new):
            fm = new[path]
            if fm is not None:
                add._add_file(path, fm)
        add._finish()
        out = _Aggregate.__new__(_Aggregate)
        out.defines = new_defines
        mine, theirs, added, dest = vars(self), vars(gone), vars(add), vars(out)
        for name in _TABLES:
            base = mine[name]
            if name == "compat":
                keep = [pa for pa in base if pa[0] not in changed]
                out.compat = sorted(keep + add.compat, key=lambda pa: (pa[0], pa[1].line))
                continue
            if name == "dyn_refs":
                out.dyn_refs = sorted(
                    [r for r in base if r[0] not in changed] + add.dyn_refs, key=lambda r: r[0]
                )
                continue
            table = base.copy()
            keys = set(theirs[name]) | set(added[name])
            for key in keys:
                if name in ("class_inits", "props"):  # keyed by (path, name)
                    table.pop(key, None)
                    if key in added[name]:
                        table[key] = added[name][key]
                    continue
                where = _entry_path(name)
                lst = [e for e in table.get(key, ()) if where(e) not in changed]
                lst.extend(added[name].get(key, ()))
                if name == "types":
                    lst.sort(key=_type_key)
                elif name == "vmsds":
                    lst.sort(key=_vmsd_key)
                else:
                    lst.sort(key=where)  # stable: entries of one file keep their order
                if lst:
                    table[key] = lst
                else:
                    table.pop(key, None)
            dest[name] = table
        out.children = dict(self.children)
        for key in set(gone.child_refs) | set(add.child_refs):
            out.children[key] = sorted({c for c, _ in out.child_refs.get(key, ())})
            if not out.children[key]:
                del out.children[key]
        out.dynamic_sysbus = {n for _, n in out.dyn_refs}
        out._versioned = None
        out._embedders = None
        return out

    # ---- resolution helpers --------------------------------------------------------------
    def _names(self, value: str | None, expr: str | None, path: str) -> tuple[str, ...]:
        if value is not None:
            return (value,)
        return self.defines.eval_expr(expr, path)

    def _add_file(self, path: str, fm: FileModel) -> None:
        self.defines.start_recording()
        try:
            self._add_entries(path, fm)
        finally:
            used = self.defines.stop_recording()
        for name in used:
            self.define_users.setdefault(name, []).append(path)

    def _add_entries(self, path: str, fm: FileModel) -> None:
        defined = {f[0] for f in fm.functions} | {c.function for c in fm.class_inits}
        for ti in fm.types:
            names = self._names(ti.name, ti.name_expr, path)
            parents = self._names(ti.parent, ti.parent_expr, path)
            ifaces = tuple(
                (self.defines.eval_expr(i, path) or (i,))[0] if _TYPE_MACRO_RE.match(i) else i
                for i in ti.interfaces
            )
            for name in names:
                info = dataclasses.replace(
                    ti, name=name, parent=parents[0] if parents else None, interfaces=ifaces
                )
                self.types.setdefault(name, []).append(TypeRecord(path, info, parents))
                if ti.class_init:
                    self.types_by_class_init.setdefault(ti.class_init, []).append(
                        (path, name, ti.class_init in defined)
                    )
                for p in parents:
                    self.child_refs.setdefault(p, []).append((name, path))
        for v in fm.vmsds:
            self.vmsds.setdefault(v.c_name, []).append((path, v))
            for f in v.fields:
                if f.vmsd_ref:
                    self.embed_refs.setdefault(f.vmsd_ref, []).append((v.c_name, path))
            for sub in v.subsections:
                self.embed_refs.setdefault(sub, []).append((v.c_name, path))
            for role, fn in v.hooks:
                self.hook_refs.setdefault(fn, []).append((v.c_name, role, path))
            for f in v.fields:
                if f.test:
                    self.hook_refs.setdefault(f.test, []).append((v.c_name, "test", path))
        for ci in fm.class_inits:
            self.class_inits.setdefault((path, ci.function), ci)
            self.class_init_files.setdefault(ci.function, []).append(path)
            if ci.vmsd:
                self.vmsd_users.setdefault(ci.vmsd, []).append((path, ci))
        for prop in fm.properties:
            self.props.setdefault((path, prop.array), []).append(prop)
            files = self.prop_files.setdefault(prop.array, [])
            if not files or files[-1] != path:
                files.append(path)
        for arr in fm.compat_arrays:
            self.compat.append((path, self._resolve_compat(arr, path)))
        for oc in fm.creations:
            names = self._names(oc.type_name, oc.type_expr, path)
            for name in names:
                rec = oc if oc.type_name == name else dataclasses.replace(oc, type_name=name)
                self.creations.setdefault(name, []).append((path, rec))
        for sd in fm.structs:
            for sname in dict.fromkeys((sd.name, *sd.aliases)):
                self.structs.setdefault(sname, []).append((path, sd))
            for key in size_ref_names_of_struct(sd):
                self.size_refs.setdefault(key, []).append((path, f"struct:{sd.name}"))
        for v in fm.vmsds:
            for key in size_ref_names_of_vmsd(v):
                self.size_refs.setdefault(key, []).append((path, f"vmsd:{v.c_name}"))
        for sf in fm.streams:
            for ptype in dict.fromkeys(t for _, t in sf.pointers):
                if ptype not in _NOT_STATE_POINTERS:
                    self.stream_types.setdefault(ptype, []).append((path, sf.name))
        for call in fm.calls:
            for key in sized_structs_of_call(call):
                ref = f"call:{call.call}@{call.function or '-'}"
                self.size_refs.setdefault(key, []).append((path, ref))
            if call.call in _DYNAMIC_SYSBUS_CALLS and len(call.args) >= 2:
                for name in self.defines.eval_expr(call.args[1], path):
                    self.dyn_refs.append((path, name))

    def _resolve_compat(self, arr: CompatArray, path: str) -> CompatArray:
        entries: list[CompatEntry] = []
        changed = False
        for e in arr.entries:
            ne = e
            if e.driver is None:
                drv = self.defines.eval_expr(e.driver_expr, path)
                if drv:
                    ne = dataclasses.replace(ne, driver=drv[0])
            if e.property is None:
                prop = self.defines.eval_expr(e.property_expr, path)
                if prop:
                    ne = dataclasses.replace(ne, property=prop[0])
            if e.value is None:
                val = self.defines.eval_expr(e.value_expr, path)
                if val:
                    ne = dataclasses.replace(ne, value=val[0])
            changed = changed or ne is not e
            entries.append(ne)
        return dataclasses.replace(arr, entries=tuple(entries)) if changed else arr

    def vmsd_embedders(self) -> dict[str, set[str]]:
        """vmsd C name -> C names of vmsds that embed it (struct fields, subsections)."""
        if self._embedders is None:
            self._embedders = {
                ref: {u for u, _ in refs} for ref, refs in self.embed_refs.items() if refs
            }
        return self._embedders

    # ---- versioned-machine reachability --------------------------------------------------
    def versioned(self) -> frozenset[str]:
        """Type names that a versioned machine creates, directly or through its children."""
        if self._versioned is not None:
            return self._versioned
        created_in: dict[str, set[str]] = {}
        for name, sites in self.creations.items():
            for path, _ in sites:
                created_in.setdefault(path, set()).add(name)
        reach: set[str] = set(self.dynamic_sysbus)
        for path, names in created_in.items():
            if path_matches(path, VERSIONED_BOARDS):
                reach |= names
        # A type's file creates its children (SoC/container pattern): close over files.
        todo = list(reach)
        seen_files: set[str] = set()
        while todo:
            name = todo.pop()
            for rec in self.types.get(name, ()):
                if rec.path in seen_files:
                    continue
                seen_files.add(rec.path)
                for child in created_in.get(rec.path, ()):
                    if child not in reach:
                        reach.add(child)
                        todo.append(child)
        self._versioned = frozenset(reach)
        return self._versioned


class _StoreMapping(Mapping[str, FileModel]):
    """A read-only Mapping face of a model store (or of a plain mapping)."""

    def __init__(self, store: ModelStore | Mapping[str, FileModel]) -> None:
        self._store = store

    def __getitem__(self, path: str) -> FileModel:
        return self._store[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)


class _Plain(_StoreMapping):
    """A model store over models already in memory (prefetch has nothing to do)."""

    def __init__(self, models: Mapping[str, FileModel]) -> None:
        super().__init__(MappingProxyType(dict(models)))

    def prefetch(self, paths: Iterable[str]) -> None:
        """Nothing to load."""


class _Overlay(Mapping[str, FileModel]):
    """A model store with some paths replaced (model) or removed (None)."""

    def __init__(self, base: ModelStore, changed: dict[str, FileModel | None]):
        self._base = base
        self._changed = changed

    def __getitem__(self, path: str) -> FileModel:
        if path in self._changed:
            fm = self._changed[path]
            if fm is None:
                raise KeyError(path)
            return fm
        return self._base[path]

    def __iter__(self) -> Iterator[str]:
        for path in self._base:
            if path not in self._changed:
                yield path
        for path, fm in self._changed.items():
            if fm is not None:
                yield path

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def prefetch(self, paths: Iterable[str]) -> None:
        """Load the base models of several paths at once."""
        self._base.prefetch([p for p in paths if p not in self._changed])


class TreeIndex(TreeView):
    """Whole-tree facts at one revision over a model store; `view()` makes the rules' port."""

    __slots__ = ("_models", "stats")

    def __init__(
        self,
        models: dict[str, FileModel] | MappingProxyType[str, FileModel] | ModelStore,
        stats: IndexStats | None = None,
        *,
        aggregate: _Aggregate | None = None,
    ) -> None:
        super().__init__(aggregate)
        # A plain mapping is copied; a store (bot.index: models loaded by path on demand,
        # with `aggregate` restored from a per-revision summary) is kept as it is.
        self._models: ModelStore = (
            _Plain(models) if isinstance(models, (dict, MappingProxyType)) else models
        )
        self.stats = stats  # set when built from git by bot.index.build_index

    # ---- construction --------------------------------------------------------------------
    @classmethod
    def from_models(cls, models: Mapping[str, FileModel]) -> TreeIndex:
        """Index a set of file models (path -> model); pure, for tests and fixtures."""
        return cls(dict(models))

    def with_files(self, changed: Mapping[str, FileModel | None]) -> TreeIndex:
        """This tree with some files replaced, added or (None) deleted: the head of a review.

        When this tree's aggregate exists already, the new aggregate is derived from it
        touching only those files and the files whose entries were resolved through a macro
        they redefine (same answers as a full rebuild); otherwise it is built lazily on
        first use.
        """
        models: dict[str, FileModel] | ModelStore
        if isinstance(self._models, _Plain):
            plain = dict(self._models)
            for path, fm in changed.items():
                if fm is None:
                    plain.pop(path, None)
                else:
                    plain[path] = fm
            models = plain
        else:
            models = _Overlay(self._models, dict(changed))
        agg: _Aggregate | None = None
        if self._agg is not None:
            self._models.prefetch(list(changed))  # one cache query for all of them
            old = {path: self._models.get(path) for path in changed}
            defines, redefined = self._agg.defines.swap(old, changed)
            new: Mapping[str, FileModel | None] = changed
            if redefined:
                # files whose entries were resolved through a redefined macro: swapped for
                # themselves, so the delta resolves them again with the new table
                users = self._agg.define_users
                again = sorted({p for n in redefined for p in users.get(n, ())} - set(changed))
                self._models.prefetch(again)
                same = {p: self._models.get(p) for p in again}
                old = {**old, **same}
                new = {**changed, **same}
            agg = self._agg.delta(old, new, defines)
        return TreeIndex(models, aggregate=agg)

    def view(self, paths: Iterable[str] = ()) -> TreeView:
        """The tree port for a review: the tables and the models of `paths`, in memory.

        Everything that needs the store (the aggregate, those files) is loaded here, so no
        question asked of the returned view does I/O.
        """
        want = sorted(set(paths))
        self._models.prefetch(want)
        files = {p: fm for p in want if (fm := self._models.get(p)) is not None}
        return TreeView(self._a(), files)

    @property
    def aggregate(self) -> _Aggregate:
        """The whole-tree tables (built on first use); bot.index stores them per revision."""
        return self._a()

    @property
    def models(self) -> Mapping[str, FileModel]:
        """Read-only path -> FileModel mapping (models load from the store on access)."""
        store = self._models
        return store if isinstance(store, Mapping) else _StoreMapping(store)

    def paths(self) -> tuple[str, ...]:
        """Every indexed path, sorted."""
        return tuple(sorted(self._models))

    def _a(self) -> _Aggregate:
        if self._agg is None:
            store = self._models
            store.prefetch(list(store))  # all in one go, not one by one
            self._agg = _Aggregate({p: store[p] for p in store})
        return self._agg

    def file_model(self, path: str) -> FileModel | None:
        """The model of one file at this revision (loaded from the store when needed)."""
        return self._models.get(path)
