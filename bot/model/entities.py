"""Typed entities extracted from one C source file. tree-sitter nodes never leave bot/model/.

Every entity carries `line` (1-based, first line of the construct) and, where useful,
`end_line`. Strings that came from C expressions keep the raw expression (`*_expr`) next to
the resolved value (None when it could not be resolved to a string/int).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class VmstateField:
    """One entry of a VMStateField array (`VMSTATE_UINT32_V(x, S, 2)` ...)."""

    macro: str  # VMSTATE_UINT32_V, VMSTATE_STRUCT, VMSTATE_UNUSED, VMSTATE_END_OF_LIST ...
    args: tuple[str, ...]  # raw argument texts, whitespace-normalised
    name: str  # name as -dump-vmstate prints it ("regs", "parent_obj", "unused", "tmp")
    c_field: str | None  # C member path (first macro arg for most macros)
    struct: str | None  # the C struct type named in the macro (second arg), if any
    version_id: int  # `_V` version; 0 when none
    test: str | None  # `_TEST` predicate / field_exists function, if any
    vmsd_ref: str | None  # C name of the nested VMStateDescription (without &), if any
    info: str  # wire kind: bool,int8..int64,uint8..uint64,buffer,unused,struct,timer,
    #            ptimer,virtio,pci,custom,validate,end,unknown ...
    elem_size: int | None  # bytes per element on the wire, when the source fixes it
    count: str | None  # array element count expression (raw), None for scalars
    count_value: int | None  # count resolved to an int when possible
    line: int
    flags: tuple[str, ...] = ()  # e.g. ("array",), ("varray",), ("pointer",), ("alloc",)

    @property
    def label(self) -> str:
        """Short human name of the field: its C member, else its -dump-vmstate name, else its
        macro (what a finding's entity `vmsd.fields[label]` names)."""
        return self.c_field or self.name or self.macro

    @property
    def wire_size(self) -> int | None:
        """Total bytes on the wire when fixed (elem_size × count), else None."""
        if self.elem_size is None:
            return None
        if self.count is None:
            return self.elem_size
        if self.count_value is None:
            return None
        return self.elem_size * self.count_value

    @property
    def is_end(self) -> bool:
        """True for VMSTATE_END_OF_LIST()."""
        return self.macro == "VMSTATE_END_OF_LIST"

    @property
    def is_unused(self) -> bool:
        """True for VMSTATE_UNUSED* placeholders."""
        return self.macro.startswith("VMSTATE_UNUSED")


@dataclass(frozen=True, slots=True)
class Vmsd:
    """A `VMStateDescription` definition."""

    c_name: str  # vmstate_foo
    name: str | None  # resolved `.name` string ("foo", "foo/sub"); None if unresolved
    name_expr: str | None  # raw `.name` initializer text
    version_id: int | None
    minimum_version_id: int | None
    fields: tuple[VmstateField, ...]  # in order, including the END_OF_LIST entry
    subsections: tuple[str, ...]  # C names of subsection vmsds, in order (no &, no NULL)
    subsections_initializers: int  # how many `.subsections =` initializers (dup detection)
    hooks: tuple[tuple[str, str], ...]  # (member, function) for needed/pre_save/post_load/...
    unmigratable: bool
    priority: str | None
    line: int
    end_line: int
    fields_array: str | None = None  # when `.fields = some_array` names a separate array
    is_static: bool = True
    version_expr: str | None = None  # raw `.version_id` text if not an int literal
    minimum_version_expr: str | None = None
    # False when an inline `.subsections = {&a, &b}` list lacks its NULL terminator
    subsections_terminated: bool = True

    def hook(self, member: str) -> str | None:
        """The function set for `.member` (needed, pre_save, post_load, ...), if any."""
        for m, fn in self.hooks:
            if m == member:
                return fn
        return None

    @property
    def payload_fields(self) -> tuple[VmstateField, ...]:
        """Fields without the terminator and without VMSTATE_VALIDATE (not on the wire)."""
        return tuple(f for f in self.fields if not f.is_end and f.info != "validate")


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A QOM `TypeInfo` (static struct, array element of DEFINE_TYPES, or OBJECT_DEFINE_*)."""

    c_name: str  # variable name, or "<array>[i]", or the OBJECT_DEFINE_* module name
    name: str | None  # resolved type name string
    name_expr: str | None  # e.g. TYPE_PL011
    parent: str | None  # resolved parent type name
    parent_expr: str | None
    class_init: str | None
    instance_init: str | None
    instance_size_expr: str | None
    abstract: bool
    interfaces: tuple[str, ...]  # resolved interface type names where possible
    line: int
    origin: str = "struct"  # struct | array | object_define


@dataclass(frozen=True, slots=True)
class ClassInit:
    """What a class_init-like function binds: dc->vmsd, properties, realize."""

    function: str
    vmsd: str | None  # C name assigned to dc->vmsd (or k->vmsd / vdc->vmsd, see vmsd_member)
    vmsd_member: str | None  # "dc->vmsd", "vdc->vmsd", "k->vmsd", "legacy_vmsd" ...
    props: tuple[str, ...]  # Property array C names passed to device_class_set_props
    line: int
    vmsd_line: int | None = None


@dataclass(frozen=True, slots=True)
class Property:
    """One DEFINE_PROP_* entry of a Property array."""

    array: str  # C name of the Property[] array
    macro: str  # DEFINE_PROP_BOOL, DEFINE_PROP_UINT32, DEFINE_PROP_BIT64 ...
    name: str | None  # resolved property name
    name_expr: str
    struct: str | None
    c_field: str | None
    default: str | None  # raw default expression (None if the macro has none)
    line: int
    bit: str | None = None  # for DEFINE_PROP_BIT*: the bit expression


@dataclass(frozen=True, slots=True)
class CompatEntry:
    """One GlobalProperty entry `{ driver, property, value }`."""

    driver: str | None  # resolved driver type name
    driver_expr: str
    property: str | None
    property_expr: str
    value: str | None
    value_expr: str
    line: int
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CompatArray:
    """A GlobalProperty array such as hw_compat_10_1[] or pc_compat_9_2[]."""

    name: str
    entries: tuple[CompatEntry, ...]
    line: int
    end_line: int
    version: tuple[int, int] | None  # (10, 1) parsed from the name, when it has one


@dataclass(frozen=True, slots=True)
class VmstateRegistration:
    """A call to vmstate_register*/vmstate_unregister/register_savevm_live."""

    call: str  # vmstate_register, vmstate_register_any, vmstate_register_with_alias_id, ...
    vmsd: str | None  # C name of the vmsd argument (without &), None if not a plain symbol
    vmsd_expr: str
    instance_id: str | None  # raw instance id expression (None for _any)
    function: str | None  # enclosing function
    in_loop: bool
    conditional: bool  # inside an if/switch/?: of the enclosing function
    condition: str | None  # text of the innermost condition, if any
    line: int
    loop_bound: str | None = None  # `N` of the innermost counting loop around it, if any
    args: tuple[str, ...] = ()  # the call's arguments as written (whitespace-normalised)


@dataclass(frozen=True, slots=True)
class ObjectCreation:
    """An object creation / parenting site."""

    call: str  # object_initialize_child, object_new, qdev_new, object_property_add_child ...
    type_expr: str | None
    type_name: str | None  # resolved type name
    child_name: str | None  # QOM child property name (resolved string or raw)
    parent_expr: str | None
    function: str | None
    in_loop: bool
    conditional: bool
    condition: str | None
    line: int
    args: tuple[str, ...] = ()
    # The other end of a link the extractor made by variable, within one function: on a
    # creating call (`X = qdev_new(T)`), "object_property_add_child" when a later
    # `object_property_add_child(P, "n", X)` parents X (child_name/parent_expr then come from
    # it); on that add_child call, the creating call ("qdev_new"). None: not linked.
    linked_call: str | None = None
    loop_bound: str | None = None  # `N` of the innermost counting loop around it, if any


@dataclass(frozen=True, slots=True)
class CallSite:
    """Any other call the rules care about (pci_set_*, msix_init, virtio_add_feature ...)."""

    call: str
    args: tuple[str, ...]
    function: str | None
    line: int
    conditional: bool = False  # inside an if/switch/?: of the enclosing function
    condition: str | None = None  # text of the innermost condition, if any
    # For a realize call (`qdev_realize`, `object_property_set_bool(X, true, "realized")`,
    # `qdev_init_nofail` ...): the object realized, casts and `&` stripped, a local variable
    # replaced by what the function last assigned to it (`s` -> `isa->state`).
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """A heap allocation stored into a struct member: `s->regs = g_new0(uint32_t, n);`."""

    target: str  # the assigned expression, whitespace-normalised ("aplic->sourcecfg")
    member: str  # its last member name ("sourcecfg")
    function: str | None
    conditional: bool  # inside an if/switch/?: of the enclosing function
    condition: str | None
    line: int


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """Facts about one C function definition that vmsd rules need (hooks, .needed, _TEST),
    and the variables of the functions holding calls rules look at (fix drafts name them)."""

    name: str
    line: int
    end_line: int
    params: tuple[tuple[str, str], ...]  # (normalised type text, name): (("void *", "opaque"),)
    casts: tuple[tuple[str, str, int], ...]  # (source param, target type w/o */const/struct, line)
    returns: tuple[str, ...]  # every `return <expr>;` expression, whitespace-normalised
    member_reads: tuple[str, ...] = ()  # member paths read through a pointer ("foo", "a.b")
    # pointer variables the body declares: (type w/o `*`, name): (("NvmeCtrl", "n"),)
    decls: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class HookBody:
    """What the body of a function that is, or may be, a vmsd hook does (pre_save,
    post_load, .needed, a _TEST predicate ...): a digest of its normalised tokens (comments,
    logging, casts and local names do not count) and the calls, member writes and returns
    it makes. Kept for the functions a vmsd of the file names and for every non-static
    function shaped like a hook, since a vmsd may name a hook of another file."""

    name: str
    line: int
    end_line: int
    static: bool
    digest: str
    calls: tuple[str, ...]  # callees, sorted, logging left out
    writes: tuple[str, ...]  # member paths assigned ("$0->config.bypass"), sorted
    returns: tuple[str, ...]  # normalised return expressions, in order
    text: str = ""  # the normalised tokens joined by spaces (cut at 4000 characters)


@dataclass(frozen=True, slots=True)
class Define:
    """`#define NAME value` with the value resolved to a string literal when possible."""

    name: str
    raw: str
    value: str | None  # resolved string (for TYPE_* and name macros), None otherwise
    line: int


@dataclass(frozen=True, slots=True)
class InitializerArray:
    """A static array of struct initializers that is not one of the above (CPU models ...)."""

    name: str
    struct_type: str
    text: str  # normalised initializer text
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class FeatureMask:
    """A statement of a function body that sets or clears feature bits
    (`*ecx &= ~CPUID_EXT_PDCM;`, `features |= 1 << VIRTIO_NET_F_MAC;`)."""

    function: str
    target: str  # normalised left-hand side: "*ecx", "env->features[FEAT_1_ECX]", "ret"
    op: str  # "&=~" (clears), "&=" (keeps only), "|=" (sets), "=" (the whole mask: msr_mask)
    mask: str  # normalised right-hand side
    bits: tuple[str, ...]  # the CPUID_*/feature-bit names it names, sorted
    condition: str | None  # enclosing conditions and case labels joined with " && "
    line: int


@dataclass(frozen=True, slots=True)
class RejectGate:
    """A conditional error report in a function body: the check that rejects a
    configuration (`if (c) { error_setg(errp, "..."); return; }`)."""

    function: str
    call: str  # error_setg, error_setg_errno, error_report, hw_error
    target: str | None  # the Error ** argument of error_setg* ("errp", "&local_err")
    message: str  # the message's string literals, concatenated
    condition: str  # enclosing conditions and case labels joined with " && "
    line: int


@dataclass(frozen=True, slots=True)
class RamBlock:
    """A migrated RAM block a function creates: `memory_region_init_ram(mr, owner, "name",
    size, errp)` and its rom/ptr/resizeable variants, or `mc->default_ram_id = "name"` (main
    RAM allocated by generic code with the `-m` size)."""

    function: str
    call: str  # memory_region_init_ram, ..., or "default_ram_id"
    name_expr: str  # raw name argument
    name: str | None  # the name when it is a string literal
    size_expr: str | None  # raw size argument (None for default_ram_id)
    condition: str | None
    line: int


@dataclass(frozen=True, slots=True)
class IdFunction:
    """A function that makes stream identifiers: a bus's `get_dev_path` (the prefix of every
    section name of devices on it) or a PCI host's `root_bus_path`, with a body digest."""

    function: str
    role: str  # get_dev_path | root_bus_path
    digest: str  # of the comment-free, whitespace-normalised body
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class StructMember:
    """One member of a C struct/union: `uint8_t buf[SIZE]`, `VirtQueue *vq`, `int x : 3`."""

    name: str
    type: str  # base type text without the declarator: "uint8_t", "struct VirtQueue"
    pointer: int  # `*` count of the declarator (1 for a function pointer)
    dims: tuple[str, ...]  # array dimension expressions, outermost first ("SIZE", "4")
    line: int
    bits: str | None = None  # bit-field width
    members: tuple[StructMember, ...] = ()  # an inline `struct { ... } name` member's members


@dataclass(frozen=True, slots=True)
class StructDef:
    """A C struct/union definition with a tag or typedef name (layouts, sizeof)."""

    name: str  # tag, or the typedef alias of an anonymous struct
    aliases: tuple[str, ...]  # typedef names other than `name`
    kind: str  # struct | union
    members: tuple[StructMember, ...]
    packed: bool
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class StreamOp:
    """One `qemu_put_*`/`qemu_get_*` call of an open-coded save/load function."""

    op: str  # put | get | load_state | save_state (a nested vmstate_*_state call)
    width: str  # be32, be64, byte, buffer, sbe32 ... (`be32s` and `be32` alike); the vmsd
    #             C name for load_state/save_state
    arg: str  # the value put, or the lvalue a get fills ("" when not visible); the opaque
    #           passed to a nested vmstate_*_state call
    line: int
    depth: int  # nesting in if/else/loop blocks (0: runs every time)
    after_return: bool  # a `return` inside a conditional comes before it
    # headers of the blocks it runs in (`if (x)`, `else of if (x)`, `for (...)`), innermost
    # last, and the condition of a braceless `if (x)` around it (bot.model.conditions)
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StreamFunction:
    """A function that writes or reads the migration stream by hand."""

    name: str
    line: int
    end_line: int
    ops: tuple[StreamOp, ...]
    versioned: bool  # the body looks at a version number (`version_id`)
    pointers: tuple[tuple[str, str], ...] = ()  # (name, type) of pointer params/locals;
    #                                              `void *opaque` as the type it is cast to


@dataclass(frozen=True, slots=True)
class FileModel:
    """Everything extracted from one file version."""

    path: str
    vmsds: tuple[Vmsd, ...] = ()
    types: tuple[TypeInfo, ...] = ()
    class_inits: tuple[ClassInit, ...] = ()
    properties: tuple[Property, ...] = ()
    compat_arrays: tuple[CompatArray, ...] = ()
    registrations: tuple[VmstateRegistration, ...] = ()
    creations: tuple[ObjectCreation, ...] = ()
    calls: tuple[CallSite, ...] = ()
    defines: tuple[Define, ...] = ()
    arrays: tuple[InitializerArray, ...] = ()
    functions: tuple[tuple[str, int, int], ...] = ()  # (name, line, end_line)
    parse_errors: int = 0  # ERROR/MISSING nodes tree-sitter produced
    parsed: bool = True  # False when the bytes could not be decoded/parsed at all
    notes: tuple[str, ...] = field(default_factory=tuple)
    function_infos: tuple[FunctionInfo, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    feature_masks: tuple[FeatureMask, ...] = ()
    reject_gates: tuple[RejectGate, ...] = ()
    ram_blocks: tuple[RamBlock, ...] = ()
    id_functions: tuple[IdFunction, ...] = ()
    structs: tuple[StructDef, ...] = ()
    streams: tuple[StreamFunction, ...] = ()
    # (function, functions of this file it calls, sorted): only in files that register or
    # unregister vmstate, to follow registrations from realize to unrealize
    call_edges: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # bodies of the functions that are or may be vmsd hooks (bot.model.extract.hookbodies)
    hook_bodies: tuple[HookBody, ...] = ()
    # (function, "load" | "setup" | "runtime", runtime entry points reaching it) for every
    # function updating unmigrated derived state (bot.model.extract.derived)
    derived_updates: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def vmsd(self, c_name: str) -> Vmsd | None:
        """The vmsd with that C name, if defined here."""
        for v in self.vmsds:
            if v.c_name == c_name:
                return v
        return None

    def callees(self, function: str) -> tuple[str, ...]:
        """Functions of this file that `function` calls (empty when not recorded)."""
        for fn, out in self.call_edges:
            if fn == function:
                return out
        return ()

    def function_at(self, line: int) -> str | None:
        """Name of the function definition spanning `line`, if any."""
        for name, start, end in self.functions:
            if start <= line <= end:
                return name
        return None
