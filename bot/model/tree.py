"""Whole-tree aggregation of per-file models: QOM hierarchy, vmsd users, compat arrays.

Pure: `TreeIndex` is built from a mapping path -> FileModel and implements
`bot.engine.spec.TreeView`. The per-file models carry raw expressions (`name_expr`,
`driver_expr`, `type_expr`); TYPE_* macros are resolved here with the tree-wide
`DefineTable`, because a file's type names usually come from headers it includes.

Aggregates are computed lazily on first use, so `with_files()` (base tree + changed files,
the review path) costs only a dict copy until a TreeView method is called.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bot.model.defines import DefineTable
from bot.model.entities import (
    ClassInit,
    CompatArray,
    CompatEntry,
    FileModel,
    ObjectCreation,
    Property,
    TypeInfo,
    Vmsd,
)

if TYPE_CHECKING:
    from bot.engine.spec import TreeView

# ---- on_versioned_machine heuristic ---------------------------------------------------------
# Families of pluggable devices: any type descending from one of these can be added with
# -device (or is part of a standard bus) on pc/q35, virt, pseries, s390-ccw-virtio, m68k virt.
PLUGGABLE_FAMILIES: frozenset[str] = frozenset(
    {
        "pci-device",
        "virtio-device",
        "isa-device",
        "usb-device",
        "scsi-device",
        "ide-device",
        "hda-codec",
        "virtio-serial-port",
        "ccw-device",
        "virtio-ccw-device",
        "vio-spapr-device",
        "ap-device",
        "zpci",
        "pc-dimm",
        "nvdimm",
        "virtio-pci",
        "xen-device",
        "vmbus-dev",
        "ipmi-bmc",
        "ccid-card",
        "cxl-type3",
        "nvme-ns",
        "tpm-tis-device",
        "ramfb",
        "cpu-core",
        "spapr-cpu-core",
    }
)
# Files whose machines are versioned, or whose contents are always on one (board wiring,
# bus cores, generic device directories). Regexes on the repository path.
VERSIONED_PATHS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^hw/i386/",
        r"^hw/arm/virt[^/]*\.c$",
        r"^hw/ppc/spapr[^/]*\.c$",
        r"^hw/s390x/",
        r"^hw/m68k/virt\.c$",
        r"^hw/core/",
        r"^hw/pci[^/]*/",
        r"^hw/virtio/",
        r"^hw/net/",
        r"^hw/block/",
        r"^hw/scsi/",
        r"^hw/usb/",
        r"^hw/ide/",
        r"^hw/nvme/",
        r"^hw/acpi/",
        r"^hw/isa/",
        r"^hw/mem/",
        r"^hw/cxl/",
        r"^hw/vfio/",
        r"^hw/hyperv/",
        r"^hw/nvram/fw_cfg",
        r"^hw/rtc/mc146818rtc",
        r"^hw/timer/(hpet|i8254)",
        r"^hw/intc/(apic|ioapic|i8259|arm_gic|arm_gicv3|xics|xive|s390)",
        r"^hw/input/(pckbd|ps2)",
        r"^hw/char/(serial|parallel|virtio|pl011)",
        r"^hw/rtc/pl031",
        r"^hw/gpio/pl061",
        r"^hw/watchdog/",
        r"^hw/tpm/",
        r"^hw/smbios/",
        r"^migration/",
        r"^target/(i386|arm|ppc|s390x|m68k)/",
        r"^backends/",
    )
)
# Files that ARE versioned machine definitions: every type they create is on such a machine.
VERSIONED_BOARDS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"^hw/i386/[^/]*\.c$",
        r"^hw/arm/virt[^/]*\.c$",
        r"^hw/ppc/spapr[^/]*\.c$",
        r"^hw/s390x/[^/]*\.c$",
        r"^hw/m68k/virt\.c$",
    )
)
_DYNAMIC_SYSBUS_CALLS = frozenset({"machine_class_allow_dynamic_sysbus_dev"})
_TYPE_MACRO_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _matches(path: str, pats: tuple[re.Pattern[str], ...]) -> bool:
    return any(p.search(path) for p in pats)


def _member_kind(member: str | None) -> str:
    """Which class field a vmsd assignment writes: device, virtio or legacy (CPU)."""
    if not member:
        return "device"
    if "legacy" in member:
        return "legacy"
    if member.startswith("vdc") or "VIRTIO_DEVICE_CLASS" in member:
        return "virtio"
    return "device"


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


@dataclass(frozen=True, slots=True)
class TypeRecord:
    """A resolved QOM type: where it is defined and every candidate parent name."""

    path: str
    info: TypeInfo  # `name` and `parent` filled in with the tree-wide resolution
    parents: tuple[str, ...]  # all candidate parent names (#ifdef alternatives)


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
}


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
        self.types_by_class_init: dict[str, list[tuple[str, str]]] = {}
        self.vmsd_users: MutableMapping[str, list[tuple[str, ClassInit]]] = {}
        self.props: MutableMapping[tuple[str, str], list[Property]] = {}
        self.prop_files: dict[str, list[str]] = {}
        self.compat: list[tuple[str, CompatArray]] = []
        self.creations: MutableMapping[str, list[tuple[str, ObjectCreation]]] = {}
        self.dyn_refs: list[tuple[str, str]] = []  # (path, type name)
        self.embed_refs: dict[str, list[tuple[str, str]]] = {}  # vmsd -> (user vmsd, path)
        self.dynamic_sysbus: set[str] = set()
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
            setattr(self, name, tables[name])
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
        for name in _TABLES:
            base = getattr(self, name)
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
            keys = set(getattr(gone, name)) | set(getattr(add, name))
            for key in keys:
                if name in ("class_inits", "props"):  # keyed by (path, name)
                    table.pop(key, None)
                    if key in getattr(add, name):
                        table[key] = getattr(add, name)[key]
                    continue
                where = _entry_path(name)
                lst = [e for e in table.get(key, ()) if where(e) not in changed]
                lst.extend(getattr(add, name).get(key, ()))
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
            setattr(out, name, table)
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
                    self.types_by_class_init.setdefault(ti.class_init, []).append((path, name))
                for p in parents:
                    self.child_refs.setdefault(p, []).append((name, path))
        for v in fm.vmsds:
            self.vmsds.setdefault(v.c_name, []).append((path, v))
            for f in v.fields:
                if f.vmsd_ref:
                    self.embed_refs.setdefault(f.vmsd_ref, []).append((v.c_name, path))
            for sub in v.subsections:
                self.embed_refs.setdefault(sub, []).append((v.c_name, path))
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
        for call in fm.calls:
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
            if _matches(path, VERSIONED_BOARDS):
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


class _Overlay(Mapping[str, FileModel]):
    """A lazy models mapping with some paths replaced (model) or removed (None)."""

    def __init__(self, base: Mapping[str, FileModel], changed: dict[str, FileModel | None]):
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

    def prefetch(self, paths: list[str]) -> None:
        """Load the base models of several paths at once (when the base is lazy)."""
        prefetch = getattr(self._base, "prefetch", None)
        if prefetch is not None:
            prefetch([p for p in paths if p not in self._changed])


class TreeIndex:
    """Whole-tree facts at one revision; implements bot.engine.spec.TreeView."""

    __slots__ = ("_agg", "_models", "stats")

    def __init__(
        self,
        models: Mapping[str, FileModel],
        stats: IndexStats | None = None,
        *,
        aggregate: _Aggregate | None = None,
    ) -> None:
        # A plain mapping is copied; a lazy one (bot.index: models loaded by path on demand,
        # with `aggregate` restored from a per-revision summary) is kept as it is.
        if isinstance(models, (dict, MappingProxyType)):
            self._models: Mapping[str, FileModel] = MappingProxyType(dict(models))
        else:
            self._models = models
        self._agg: _Aggregate | None = aggregate
        self.stats = stats  # set when built from git by bot.index.build_index

    # ---- construction --------------------------------------------------------------------
    @classmethod
    def from_models(cls, models: Mapping[str, FileModel]) -> TreeIndex:
        """Index a set of file models (path -> model); pure, for tests and fixtures."""
        return cls(models)

    def with_files(self, changed: Mapping[str, FileModel | None]) -> TreeIndex:
        """This tree with some files replaced, added or (None) deleted: the head of a review.

        When this tree's aggregate exists already and the swapped files change no macro that
        another file's entries were resolved through, the new aggregate is derived from it
        touching only those files (same answers as a full rebuild); otherwise it is rebuilt
        lazily on first use.
        """
        models: Mapping[str, FileModel]
        if isinstance(self._models, MappingProxyType):
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
            prefetch = getattr(self._models, "prefetch", None)
            if prefetch is not None:  # a lazy mapping: one cache query for all of them
                prefetch(list(changed))
            old = {path: self._models.get(path) for path in changed}
            defines = self._agg.defines.swapped(old, changed)
            if defines is not None:  # no other file resolved a name the swap changes
                agg = self._agg.delta(old, changed, defines)
        return TreeIndex(models, aggregate=agg)

    @property
    def aggregate(self) -> _Aggregate:
        """The whole-tree tables (built on first use); bot.index stores them per revision."""
        return self._a()

    @property
    def models(self) -> Mapping[str, FileModel]:
        """Read-only path -> FileModel mapping."""
        return self._models

    def paths(self) -> tuple[str, ...]:
        """Every indexed path, sorted."""
        return tuple(sorted(self._models))

    def _a(self) -> _Aggregate:
        if self._agg is None:
            prefetch = getattr(self._models, "prefetch", None)
            if prefetch is not None:  # lazy models: load them all in one go, not one by one
                prefetch(list(self._models))
            self._agg = _Aggregate(self._models)
        return self._agg

    @property
    def defines(self) -> DefineTable:
        """The tree-wide macro table."""
        return self._a().defines

    # ---- TreeView ------------------------------------------------------------------------
    def resolve_define(self, name: str) -> str | None:
        """The string a TYPE_*/name macro expands to anywhere in the tree."""
        return self._a().defines.resolve(name)

    def resolve_expr(self, expr: str, path: str | None = None) -> tuple[str, ...]:
        """Candidate strings of a C expression (`TYPE_X "-suffix"`), seen from `path`."""
        return self._a().defines.eval_expr(expr, path)

    def type_by_name(self, name: str) -> TypeInfo | None:
        """The TypeInfo registering this QOM type name (first definition by path)."""
        recs = self._a().types.get(name)
        return recs[0].info if recs else None

    def type_record(self, name: str) -> TypeRecord | None:
        """Like type_by_name, with the defining path and all parent candidates."""
        recs = self._a().types.get(name)
        return recs[0] if recs else None

    def type_names(self) -> tuple[str, ...]:
        """Every resolved QOM type name, sorted."""
        return tuple(sorted(self._a().types))

    def type_ancestors(self, name: str) -> tuple[str, ...]:
        """Parent chain of a type name, nearest first (excluding itself)."""
        a = self._a()
        out: list[str] = []
        seen = {name}
        frontier = [name]
        while frontier:
            nxt: list[str] = []
            for n in frontier:
                for rec in a.types.get(n, ()):
                    for p in rec.parents:
                        if p not in seen:
                            seen.add(p)
                            out.append(p)
                            nxt.append(p)
            frontier = nxt
        return tuple(out)

    def type_descendants(self, name: str) -> tuple[str, ...]:
        """All type names that have `name` as an ancestor (breadth first)."""
        kids = self._a().children
        out: list[str] = []
        seen = {name}
        frontier = [name]
        while frontier:
            nxt: list[str] = []
            for n in frontier:
                for c in kids.get(n, ()):
                    if c not in seen:
                        seen.add(c)
                        out.append(c)
                        nxt.append(c)
            frontier = nxt
        return tuple(out)

    def class_init_of(self, type_name: str) -> ClassInit | None:
        """The ClassInit the type's TypeInfo.class_init names (same file first)."""
        rec = self.type_record(type_name)
        if rec is None or not rec.info.class_init:
            return None
        return self._class_init(rec.path, rec.info.class_init)

    def _class_init(self, path: str, function: str) -> ClassInit | None:
        a = self._a()
        ci = a.class_inits.get((path, function))
        if ci is not None:
            return ci
        files = a.class_init_files.get(function, ())
        return a.class_inits.get((files[0], function)) if files else None

    def _types_with_class_init(self, path: str, function: str) -> list[str]:
        local: list[str] = []
        remote: list[str] = []
        for tpath, name in self._a().types_by_class_init.get(function, ()):
            if tpath == path:
                local.append(name)
            elif function not in self._file_functions(tpath):
                remote.append(name)
        return sorted(set(local)) if local else sorted(set(remote))

    def _file_functions(self, path: str) -> frozenset[str]:
        fm = self._models.get(path)
        if fm is None:
            return frozenset()
        return frozenset(f[0] for f in fm.functions) | frozenset(c.function for c in fm.class_inits)

    def types_for_vmsd(self, vmsd_c_name: str, path: str | None = None) -> tuple[str, ...]:
        """QOM type names whose class_init sets dc->vmsd to this vmsd (incl. subclasses).

        With `path` (the file defining the vmsd), class_inits in other files count only when
        they cannot see a same-named vmsd of their own (static vmsd names collide).
        """
        a = self._a()
        direct: list[str] = []
        kinds: dict[str, str] = {}
        for ci_path, ci in a.vmsd_users.get(vmsd_c_name, ()):
            if path is not None and ci_path != path:
                own = self._models.get(ci_path)
                if own is not None and own.vmsd(vmsd_c_name) is not None:
                    continue
            for t in self._types_with_class_init(ci_path, ci.function):
                if t not in kinds:
                    direct.append(t)
                    kinds[t] = _member_kind(ci.vmsd_member)
        out: list[str] = list(direct)
        seen = set(direct)
        frontier = list(direct)
        while frontier:
            nxt: list[str] = []
            for parent in frontier:
                kind = kinds[parent]
                for child in a.children.get(parent, ()):
                    if child in seen:
                        continue
                    cci = self.class_init_of(child)
                    if (
                        cci is not None
                        and cci.vmsd is not None
                        and cci.vmsd != vmsd_c_name
                        and _member_kind(cci.vmsd_member) == kind
                    ):
                        continue  # overrides the inherited vmsd
                    seen.add(child)
                    kinds[child] = kind
                    out.append(child)
                    nxt.append(child)
            frontier = nxt
        return tuple(out)

    def vmsd_of_type(self, type_name: str) -> str | None:
        """C name of the vmsd the type's (or nearest ancestor's) class_init sets as dc->vmsd."""
        for name in (type_name, *self.type_ancestors(type_name)):
            ci = self.class_init_of(name)
            if ci is not None and ci.vmsd and _member_kind(ci.vmsd_member) == "device":
                return ci.vmsd
        return None

    def vmsd_containers(self, vmsd_c_name: str) -> tuple[str, ...]:
        """C names of vmsds that embed this one (VMSTATE_STRUCT*/subsections), transitively."""
        users = self._a().vmsd_embedders()
        out: list[str] = []
        seen = {vmsd_c_name}
        frontier = [vmsd_c_name]
        while frontier:
            nxt: list[str] = []
            for n in frontier:
                for u in sorted(users.get(n, ())):
                    if u not in seen:
                        seen.add(u)
                        out.append(u)
                        nxt.append(u)
            frontier = nxt
        return tuple(out)

    def vmsd(self, c_name: str) -> Vmsd | None:
        """A vmsd definition by C name anywhere in the tree (.c before .h, then by path)."""
        lst = self._a().vmsds.get(c_name)
        return lst[0][1] if lst else None

    def vmsd_path(self, c_name: str) -> str | None:
        """File defining that vmsd."""
        lst = self._a().vmsds.get(c_name)
        return lst[0][0] if lst else None

    def vmsd_definitions(self, c_name: str) -> tuple[tuple[str, Vmsd], ...]:
        """Every (path, vmsd) with that C name (static names can repeat across files)."""
        return tuple(self._a().vmsds.get(c_name, ()))

    def iter_vmsds(self) -> Iterator[tuple[str, Vmsd]]:
        """(path, vmsd) for every vmsd of the tree, by C name then path."""
        a = self._a()
        for c_name in sorted(a.vmsds):
            yield from a.vmsds[c_name]

    def properties_of_type(self, type_name: str) -> tuple[Property, ...]:
        """Properties the type's own class_init installs (not inherited)."""
        rec = self.type_record(type_name)
        if rec is None or not rec.info.class_init:
            return ()
        ci = self._class_init(rec.path, rec.info.class_init)
        if ci is None:
            return ()
        a = self._a()
        out: list[Property] = []
        ci_path = rec.path if (rec.path, ci.function) in a.class_inits else None
        for arr in ci.props:
            props = a.props.get((ci_path or rec.path, arr))
            if props is None:
                files = a.prop_files.get(arr, ())
                props = a.props.get((files[0], arr)) if files else None
            out.extend(props or ())
        return tuple(out)

    def compat_arrays(self) -> tuple[tuple[str, CompatArray], ...]:
        """(path, array) for every GlobalProperty array in the tree, drivers resolved."""
        return tuple(self._a().compat)

    def creations_of(self, type_name: str) -> tuple[tuple[str, ObjectCreation], ...]:
        """(path, site) for every creation of this type name in the tree."""
        return tuple(self._a().creations.get(type_name, ()))

    def on_versioned_machine(self, type_name: str) -> bool:
        """Whether a device of this type can appear on a versioned machine type.

        Conservative heuristic (unknown -> True). True when any of:
        1. the type is not in the index (cannot tell);
        2. it or an ancestor is a pluggable family (PCI, virtio, ISA, USB, SCSI, IDE, CCW,
           spapr-vio, DIMM ... see PLUGGABLE_FAMILIES) - these go on any versioned machine;
        3. it is defined in a file matching VERSIONED_PATHS (board code of
           pc/q35, arm virt, pseries, s390-ccw, m68k virt; hw/core, hw/pci*, hw/virtio,
           hw/net, hw/block, hw/scsi, hw/usb, ...; the x86/arm/ppc/s390x/m68k CPUs);
        4. it or a descendant is created (qdev_new, object_initialize_child ...) in a
           versioned board file, or by a type so created (transitively, per file), or is
           allowed as a dynamic sysbus device there.
        hw/audio and hw/display are not whole-directory matches: their PCI/ISA/USB devices
        are caught by rule 2.
        """
        a = self._a()
        recs = a.types.get(type_name)
        if not recs:
            return True
        lineage = (type_name, *self.type_ancestors(type_name))
        if any(n in PLUGGABLE_FAMILIES for n in lineage):
            return True
        if any(_matches(rec.path, VERSIONED_PATHS) for rec in recs):
            return True
        reach = a.versioned()
        if type_name in reach:
            return True
        return any(d in reach for d in self.type_descendants(type_name))

    def file_model(self, path: str) -> FileModel | None:
        """The cached model of one file at this revision."""
        return self._models.get(path)


def _typecheck_protocol(t: TreeIndex) -> TreeView:
    return t  # mypy proves TreeIndex satisfies the TreeView protocol
