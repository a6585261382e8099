"""The tree port: whole-tree facts at one revision that rules may read, held in memory.

A `TreeView` answers QOM, vmsd, property and compat questions from the whole-tree tables
(`bot.model.tree._Aggregate`) and returns the models of the files it was filled with. It
holds no repository, cache or lazily loading mapping, so nothing a rule asks of it can reach
git or SQLite: `TreeIndex.view(paths)` (bot.model.tree) loads what a review needs first and
then hands out a `TreeView` (bot.analyze does this before any rule runs).

What the index must provide (bot.index builds `TreeIndex`): the tables of `_Aggregate`
(in memory; lazily *decoded* values are fine, lazily *loaded* ones are not) and a model store
with `prefetch(paths)` so the files of a review are loaded in one go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.model.entities import (
    ClassInit,
    CompatArray,
    FileModel,
    ObjectCreation,
    Property,
    StructDef,
    TypeInfo,
    Vmsd,
)
from bot.model.layout import type_key

if TYPE_CHECKING:
    from bot.model.defines import DefineTable
    from bot.model.tree import _Aggregate

__all__ = [
    "PARENT_CALL",
    "PLUGGABLE_FAMILIES",
    "VERSIONED_PATHS",
    "FilesView",
    "TreeView",
    "TypeRecord",
    "linked_add_children",
]


def path_patterns(*regexes: str) -> tuple[re.Pattern[str], ...]:
    """Compiled repository-path patterns."""
    return tuple(re.compile(p) for p in regexes)


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
VERSIONED_PATHS: tuple[re.Pattern[str], ...] = path_patterns(
    r"^hw/i386/",
    r"^hw/(pc|pc_piix|pc_q35|spapr|s390-virtio-ccw)[^/]*\.c$",  # before hw/<arch>/ (2013)
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
    r"^target[/-](i386|arm|ppc|s390x|m68k)/",
    r"^backends/",
)


def path_matches(path: str, pats: tuple[re.Pattern[str], ...]) -> bool:
    """Whether a repository path matches any of the patterns."""
    return any(p.search(path) for p in pats)


def member_kind(member: str | None) -> str:
    """Which class field a vmsd assignment writes: device, virtio or legacy (CPU)."""
    if not member:
        return "device"
    if "legacy" in member:
        return "legacy"
    if member.startswith("vdc") or "VIRTIO_DEVICE_CLASS" in member:
        return "virtio"
    return "device"


def _breadth_first(start: str, step: Callable[[str], Iterable[str]]) -> tuple[str, ...]:
    """Every name reachable from `start` through `step`, breadth first, without `start`."""
    out: list[str] = []
    seen = {start}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for n in frontier:
            for m in step(n):
                if m not in seen:
                    seen.add(m)
                    out.append(m)
                    nxt.append(m)
        frontier = nxt
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TypeRecord:
    """A resolved QOM type: where it is defined and every candidate parent name."""

    path: str
    info: TypeInfo  # `name` and `parent` filled in with the tree-wide resolution
    parents: tuple[str, ...]  # all candidate parent names (#ifdef alternatives)


class TreeView:
    """Whole-tree facts at one revision, every answer from memory (the port rules read)."""

    __slots__ = ("_agg", "_default_users", "_files", "_prop_names")

    def __init__(
        self, aggregate: _Aggregate | None, files: Mapping[str, FileModel] | None = None
    ) -> None:
        self._agg = aggregate
        self._files: dict[str, FileModel] = dict(files or {})
        self._default_users: dict[str, list[tuple[str, Property]]] | None = None
        self._prop_names: frozenset[str] | None = None

    def _a(self) -> _Aggregate:
        if self._agg is None:
            raise ValueError("TreeView without tables")
        return self._agg

    def view(self, paths: Iterable[str] = ()) -> TreeView:
        """This view (already filled; `paths` it lacks are simply absent)."""
        return self

    def with_files(self, changed: Mapping[str, FileModel | None]) -> TreeView:
        """This view with some files replaced, added or (None) deleted, e.g. a fix draft
        applied to the head.

        The tables are derived from this view's, touching only those files; a path the view
        was not filled with counts as absent from the tree. Raises ValueError when the swap
        changes a macro other files were resolved through (only the whole tree, a
        `TreeIndex`, can rebuild them).
        """
        old = {path: self._files.get(path) for path in changed}
        agg = self._a()
        defines = agg.defines.swapped(old, changed)
        if defines is None:
            raise ValueError("the changed files redefine macros other files use")
        files = {p: fm for p, fm in self._files.items() if p not in changed}
        files.update({p: fm for p, fm in changed.items() if fm is not None})
        return TreeView(agg.delta(old, changed, defines), files)

    # ---- files ---------------------------------------------------------------------------
    def file_model(self, path: str) -> FileModel | None:
        """The model of a file the view was filled with (None for any other path)."""
        return self._files.get(path)

    # ---- names -----------------------------------------------------------------------------
    @property
    def defines(self) -> DefineTable:
        """The tree-wide macro table."""
        return self._a().defines

    def resolve_define(self, name: str) -> str | None:
        """The string a TYPE_*/name macro expands to anywhere in the tree."""
        return self._a().defines.resolve(name)

    def resolve_expr(self, expr: str, path: str | None = None) -> tuple[str, ...]:
        """Candidate strings of a C expression (`TYPE_X "-suffix"`), seen from `path`."""
        return self._a().defines.eval_expr(expr, path)

    # ---- QOM types -------------------------------------------------------------------------
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
        types = self._a().types
        return _breadth_first(name, lambda n: [p for rec in types.get(n, ()) for p in rec.parents])

    def type_descendants(self, name: str) -> tuple[str, ...]:
        """All type names that have `name` as an ancestor (breadth first)."""
        kids = self._a().children
        return _breadth_first(name, lambda n: kids.get(n, ()))

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
        """Types whose class_init is `function` as defined in `path`: the types of that file,
        else those of files that do not define a function of that name themselves."""
        local: list[str] = []
        remote: list[str] = []
        for tpath, name, defined_there in self._a().types_by_class_init.get(function, ()):
            if tpath == path:
                local.append(name)
            elif not defined_there:
                remote.append(name)
        return sorted(set(local)) if local else sorted(set(remote))

    # ---- vmsds -----------------------------------------------------------------------------
    def types_for_vmsd(self, vmsd_c_name: str, path: str | None = None) -> tuple[str, ...]:
        """QOM type names whose class_init sets dc->vmsd to this vmsd (incl. subclasses).

        With `path` (the file defining the vmsd), class_inits in other files count only when
        they cannot see a same-named vmsd of their own (static vmsd names collide).
        """
        a = self._a()
        direct: list[str] = []
        kinds: dict[str, str] = {}
        defined_in = {p for p, _ in a.vmsds.get(vmsd_c_name, ())} if path is not None else set()
        for ci_path, ci in a.vmsd_users.get(vmsd_c_name, ()):
            if path is not None and ci_path != path and ci_path in defined_in:
                continue
            for t in self._types_with_class_init(ci_path, ci.function):
                if t not in kinds:
                    direct.append(t)
                    kinds[t] = member_kind(ci.vmsd_member)
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
                        and member_kind(cci.vmsd_member) == kind
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
            if ci is not None and ci.vmsd and member_kind(ci.vmsd_member) == "device":
                return ci.vmsd
        return None

    def vmsd_containers(self, vmsd_c_name: str) -> tuple[str, ...]:
        """C names of vmsds that embed this one (VMSTATE_STRUCT*/subsections), transitively."""
        users = self._a().vmsd_embedders()
        return _breadth_first(vmsd_c_name, lambda n: sorted(users.get(n, ())))

    def vmsd(self, c_name: str) -> Vmsd | None:
        """A vmsd definition by C name anywhere in the tree (.c before .h, then by path)."""
        lst = self._a().vmsds.get(c_name)
        return lst[0][1] if lst else None

    def vmsd_path(self, c_name: str) -> str | None:
        """File defining that vmsd."""
        lst = self._a().vmsds.get(c_name)
        return lst[0][0] if lst else None

    def vmsd_users(self, c_name: str, path: str | None) -> tuple[tuple[str, Vmsd], ...]:
        """(path, vmsd) of every vmsd that lists `c_name` in `.subsections` or nests it in a
        field and can mean the definition in `path`. C linkage decides: a file that defines
        the name itself means its own definition, and a `static` definition in a `.c` file is
        seen by no other file (`vmstate_pcihp_state` of hw/acpi/ich9.c is not the one of
        generic_event_device.c). Without `path`, every user. At most 256 users."""
        a = self._a()
        defs = a.vmsds.get(c_name, ())
        definers = {p for p, _ in defs}
        mine = next((v for p, v in defs if p == path), None)
        private = mine is not None and mine.is_static and (path or "").endswith(".c")
        out: list[tuple[str, Vmsd]] = []
        seen: set[tuple[str, str]] = set()
        for user, upath in a.embed_refs.get(c_name, ())[:256]:
            if (user, upath) in seen:
                continue
            seen.add((user, upath))
            if path is not None and upath != path and (upath in definers or private):
                continue
            uv = next((v for p, v in a.vmsds.get(user, ()) if p == upath), None)
            if uv is not None:
                out.append((upath, uv))
        return tuple(out)

    def vmsd_definitions(self, c_name: str) -> tuple[tuple[str, Vmsd], ...]:
        """Every (path, vmsd) with that C name (static names can repeat across files)."""
        return tuple(self._a().vmsds.get(c_name, ()))

    def hook_users(self, function: str) -> tuple[tuple[str, str, str], ...]:
        """(vmsd C name, role, path) of every vmsd naming `function` as a hook (`pre_save`,
        `post_load`, `needed` ...) or as a `_TEST` predicate (role "test")."""
        return tuple(self._a().hook_refs.get(function, ()))

    def struct(self, name: str) -> StructDef | None:
        """A struct/union definition by tag or typedef name (`struct ` optional).

        A name defined in several files (`#ifdef` variants, private copies) gives the
        definition of a header first, then by path.
        """
        lst = self._a().structs.get(type_key(name))
        if not lst:
            return None
        return min(lst, key=lambda ps: (not ps[0].endswith(".h"), ps[0]))[1]

    def struct_at(self, name: str) -> tuple[str, StructDef] | None:
        """(path, definition) of a struct by tag or typedef name, chosen as `struct()` does."""
        lst = self._a().structs.get(type_key(name))
        if not lst:
            return None
        return min(lst, key=lambda ps: (not ps[0].endswith(".h"), ps[0]))

    def size_refs(self, name: str) -> tuple[tuple[str, str], ...]:
        """(path, "vmsd:<c_name>" | "struct:<name>" | "call:<callee>@<function>") whose wire
        size or layout uses the macro or struct `name` (field counts, member dimensions,
        size-following fields, `virtio_init(..., sizeof(struct name))`)."""
        return tuple(self._a().size_refs.get(name, ()))

    def iter_vmsds(self) -> Iterator[tuple[str, Vmsd]]:
        """(path, vmsd) for every vmsd of the tree, by C name then path."""
        a = self._a()
        for c_name in sorted(a.vmsds):
            yield from a.vmsds[c_name]

    # ---- properties, compat, creations -----------------------------------------------------
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

    def prop_arrays_of_struct(self, struct: str) -> tuple[tuple[str, str], ...]:
        """(path, array) of every Property array whose DEFINE_PROP_* entries name `struct`
        (`struct ` optional), by path."""
        key = type_key(struct)
        out = {(path, arr) for (path, arr), props in self._a().props.items()
               if any(type_key(p.struct) == key for p in props if p.struct)}  # fmt: skip
        return tuple(sorted(out))

    def prop_arrays_using_macro(self, macro: str) -> tuple[tuple[str, str], ...]:
        """(path, array) of every Property array holding an entry that is the function-like
        macro `macro` (`VIRTIO_GPU_BASE_PROPERTIES(VirtIOGPU, conf)`), by path."""
        out = {(path, arr) for (path, arr), props in self._a().props.items()
               if any(p.name is None and p.macro == macro for p in props)}  # fmt: skip
        return tuple(sorted(out))

    def props_defaulting_to(self, name: str) -> tuple[tuple[str, Property], ...]:
        """(path, property) of every DEFINE_PROP_* entry whose default expression names the
        identifier `name` (a macro such as `FOO_DEFAULT_VECTORS`), by path."""
        if self._default_users is None:
            self._default_users = _default_users(self._a().props)
        return tuple(sorted(self._default_users.get(name, ()), key=lambda pp: pp[0]))

    def has_property_named(self, name: str) -> bool:
        """Whether some DEFINE_PROP_* entry of the tree names a property `name`."""
        if self._prop_names is None:
            self._prop_names = frozenset(
                p.name for props in self._a().props.values() for p in props if p.name
            )
        return name in self._prop_names

    def types_with_props(self, array: str, path: str | None = None) -> tuple[str, ...]:
        """QOM type names whose class_init installs Property array `array` (defined in
        `path` when given: class_inits of that file first)."""
        out: list[str] = []
        for (ci_path, function), ci in self._a().class_inits.items():
            if array in ci.props and (path is None or ci_path == path):
                out.extend(self._types_with_class_init(ci_path, function))
        if not out and path is not None:
            return self.types_with_props(array)
        return tuple(dict.fromkeys(out))

    def stream_functions_of(self, type_name: str) -> tuple[tuple[str, str], ...]:
        """(path, function) of the open-coded stream functions (qemu_put_*/qemu_get_*) that
        hold a pointer of this struct tag or typedef name."""
        return tuple(self._a().stream_types.get(type_name, ()))

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
        if any(path_matches(rec.path, VERSIONED_PATHS) for rec in recs):
            return True
        reach = a.versioned()
        if type_name in reach:
            return True
        return any(d in reach for d in self.type_descendants(type_name))


# The call that parents an object; creating calls that name their QOM child themselves.
PARENT_CALL = "object_property_add_child"
_NAMES_OWN_CHILD = frozenset(
    {
        PARENT_CALL,
        "object_initialize_child",
        "object_initialize_child_with_props",
        "object_initialize_child_with_propsv",
    }
)


_IDENT = re.compile(r"[A-Za-z_]\w{0,127}")
_MAX_DEFAULT_CHARS = 256
_MAX_DEFAULT_IDENTS = 8


def _default_users(
    props: Mapping[tuple[str, str], list[Property]],
) -> dict[str, list[tuple[str, Property]]]:
    """identifier -> (path, property) of the DEFINE_PROP_* entries whose default expression
    names it. Each default gives at most _MAX_DEFAULT_IDENTS names from its first
    _MAX_DEFAULT_CHARS characters, so a hostile default stays cheap."""
    users: dict[str, list[tuple[str, Property]]] = {}
    for (path, _arr), lst in props.items():
        for prop in lst:
            if not prop.default or prop.name is None:
                continue
            seen: set[str] = set()
            for m in _IDENT.finditer(prop.default[:_MAX_DEFAULT_CHARS]):
                if m.group(0) in seen:
                    continue
                seen.add(m.group(0))
                users.setdefault(m.group(0), []).append((path, prop))
                if len(seen) >= _MAX_DEFAULT_IDENTS:
                    break
    return users


def linked_add_children(fm: FileModel) -> frozenset[ObjectCreation]:
    """The object_property_add_child calls the model linked to the creation of their child.

    The extractor links `X = object_new(T)` to a later `object_property_add_child(P, "n", X)`
    of the same function by the variable X and copies the child name and parent onto the
    creation; such an add_child only parents what that creation made.
    """
    makers: dict[str | None, list[ObjectCreation]] = {}
    for c in fm.creations:
        if c.call not in _NAMES_OWN_CHILD and c.child_name is not None:
            makers.setdefault(c.function, []).append(c)
    out: set[ObjectCreation] = set()
    for c in fm.creations:
        if c.call != PARENT_CALL or c.child_name is None:
            continue
        if any(
            m.line <= c.line and m.child_name == c.child_name and m.parent_expr == c.parent_expr
            for m in makers.get(c.function, ())
        ):
            out.add(c)
    return frozenset(out)


class FilesView:
    """The entities of one side of a review unit (the files a patch or series changes).

    Built once per unit before rules run; look-ups by C name are dictionary reads, so a file
    with thousands of vmsds costs linear time, not quadratic. Where a C name is defined in
    several files (static names repeat), the caller's own file wins, then unit order.
    """

    __slots__ = ("_defs", "_linked", "_nested", "_subs", "_top", "files")

    def __init__(self, files: Iterable[tuple[str, FileModel]]) -> None:
        seen: set[str] = set()
        rows: list[tuple[str, FileModel]] = []
        for path, fm in files:
            if path not in seen:
                seen.add(path)
                rows.append((path, fm))
        self.files: tuple[tuple[str, FileModel], ...] = tuple(rows)
        self._defs: dict[str, list[tuple[str, Vmsd]]] = {}
        self._subs: dict[str, list[tuple[str, Vmsd]]] = {}
        self._nested: dict[str, list[tuple[str, Vmsd]]] = {}
        self._top: set[str] = set()
        self._linked: dict[str, frozenset[ObjectCreation]] = {}
        for path, fm in rows:
            self._linked[path] = linked_add_children(fm)
            done: set[str] = set()
            for v in fm.vmsds:
                if v.c_name in done:
                    continue  # a second definition in one file (#ifdef variants): first wins
                done.add(v.c_name)
                self._defs.setdefault(v.c_name, []).append((path, v))
                for sub in dict.fromkeys(v.subsections):
                    self._subs.setdefault(sub, []).append((path, v))
                for ref in dict.fromkeys(f.vmsd_ref for f in v.fields if f.vmsd_ref):
                    if ref != v.c_name:
                        self._nested.setdefault(ref, []).append((path, v))
            self._top.update(ci.vmsd for ci in fm.class_inits if ci.vmsd)
            self._top.update(
                r.vmsd for r in fm.registrations if r.vmsd and r.call.startswith("vmstate_register")
            )

    def models(self, own: str | None = None) -> Iterator[tuple[str, FileModel]]:
        """(path, model) of every file, `own` first."""
        rows = self.files
        if own is not None:
            yield from (r for r in rows if r[0] == own)
        yield from (r for r in rows if r[0] != own)

    @staticmethod
    def _own_first(
        rows: list[tuple[str, Vmsd]] | None, own: str | None
    ) -> tuple[tuple[str, Vmsd], ...]:
        if not rows:
            return ()
        if own is None:
            return tuple(rows)
        return (*(r for r in rows if r[0] == own), *(r for r in rows if r[0] != own))

    def vmsd(self, c_name: str, own: str | None = None) -> tuple[str, Vmsd] | None:
        """(path, vmsd) defining this C name: `own` file first, then unit order."""
        rows = self._own_first(self._defs.get(c_name), own)
        return rows[0] if rows else None

    def subsection_parents(self, c_name: str, own: str | None = None) -> tuple[Vmsd, ...]:
        """Vmsds that list this one in `.subsections` (`own` file first)."""
        return tuple(v for _, v in self._own_first(self._subs.get(c_name), own))

    def nested_parents(self, c_name: str, own: str | None = None) -> tuple[Vmsd, ...]:
        """Vmsds with a field nesting this one (VMSTATE_STRUCT & co.; `own` file first)."""
        return tuple(v for _, v in self._own_first(self._nested.get(c_name), own))

    def is_linked_add_child(self, path: str, add_child: ObjectCreation) -> bool:
        """Whether this add_child call of `path` parents an object created by a call the
        model linked it to (see linked_add_children)."""
        linked = self._linked.get(path)
        return add_child in linked if linked is not None else False

    def is_top_level(self, c_name: str) -> bool:
        """Whether some file sets it as dc->vmsd or passes it to vmstate_register*()."""
        return c_name in self._top
