"""C text for fix drafts and where it goes (bot.fixedit.DraftEdit). Pure.

The one place drafts are made compile-ready: every value comes from the model (old
defaults resolved through #defines, old sizes, counts, type names, compat arrays); what
cannot be resolved is named in one C comment (`fill()`), never a bare `<placeholder>`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from bot.engine.spec import RuleContext
from bot.fixedit import DraftEdit
from bot.model.entities import StructDef, Vmsd, VmstateField
from bot.model.layout import member_renames, resolve_member, type_key
from bot.rulekit import compat as C
from bot.rulekit.compat import next_release
from bot.rulekit.ctx import Side, file_model, find_vmsd_at, models, norm, tree
from bot.rulekit.vmsd import (
    as_test_field,
    field_label,
    function_facts,
    opaque_decl,
    vmsd_label,
    vmsd_uses,
)

MACHINE_C = "hw/core/machine.c"
WIDTH = 80


def fill(what: str) -> str:
    """The one C comment naming a value the model could not give."""
    return f"/* fill in: {what} */"


_LITERAL = re.compile(
    r'^(?:-?(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*|true|false|"(?:[^"\\]|\\.)*"|NULL)$'
)
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


def resolve_value(ctx: RuleContext, expr: str | None, side: Side) -> str | None:
    """A C expression as a literal, through the #defines of the unit's files and the tree
    (None when it does not come down to one)."""
    text = norm(expr)
    for _ in range(6):
        if not text:
            return None
        if _LITERAL.match(text):
            return text
        inner = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else None
        if inner is not None and "(" not in inner:
            text = inner
            continue
        if not _IDENT.match(text):
            return None
        body = _define_body(ctx, text, side)
        if body is None:
            return None
        text = norm(body)
    return None


def _define_body(ctx: RuleContext, name: str, side: Side) -> str | None:
    for _, m in models(ctx, side):
        for d in m.defines:
            if d.name == name:
                return d.raw
    t = tree(ctx, side)
    if t is not None:
        raw = t.defines.raw(name)
        if raw:
            return raw[0][1]
    return None


def compat_path(ctx: RuleContext, array: str) -> str:
    """The file defining compat array `array` (hw/core/machine.c when unknown)."""
    for path, arr in C.all_entries_arrays(ctx, "new"):
        if arr.name == array:
            return path
    return MACHINE_C


def compat_target_text(ctx: RuleContext) -> tuple[str | None, str]:
    """(array name or None when the version is unknown, the heading comment of an entry)."""
    ver = C.compat_target(ctx)
    if ver is None:
        return None, fill(f"the newest hw_compat_*[] of {MACHINE_C}")
    array = C.compat_name(ver)
    return array, f"/* {array}[] in {compat_path(ctx, array)} */"


def compat_entry(
    ctx: RuleContext, driver: str, prop: str, value: str | None, what: str = ""
) -> tuple[str, tuple[DraftEdit, ...]]:
    """(draft text, edits) of one GlobalProperty entry in the array this change needs.

    `value` None: the old value is not known; the entry then says what to fill in.
    """
    return compat_entries(ctx, [driver], prop, value, what)


def _wrap_entry(line: str) -> str:
    """A compat entry within WIDTH once indented: broken after its driver, and after every
    element when that is not enough (a long property name with a fill-in comment)."""
    if len(line) + 4 <= WIDTH:
        return line
    once = line.replace(", ", ",\n      ", 1)
    if all(len(part) + 4 <= WIDTH for part in once.split("\n")):
        return once
    return line.replace(", ", ",\n      ")


def compat_entries(
    ctx: RuleContext, drivers: list[str], prop: str, value: str | None, what: str = ""
) -> tuple[str, tuple[DraftEdit, ...]]:
    """(draft text, edits) of one GlobalProperty entry per driver, under one heading."""
    array, head = compat_target_text(ctx)
    lines = []
    for driver in drivers:
        if value is None:
            line = C.compat_line(driver, prop, "").replace('""', fill(what or "the old value"))
        else:
            line = C.compat_line(driver, prop, value)
        lines.append(_wrap_entry(line))
    text = "\n".join([head, *(f"    {ln}" for ln in lines)])
    if array is None:
        why = "no compat array to add to (no VERSION file, no hw_compat array in the tree)"
        return text, (DraftEdit(MACHINE_C, "missing", why),)
    path = compat_path(ctx, array)
    return text, tuple(DraftEdit(path, "array", f"    {ln}", anchor=array) for ln in lines)


def replace_line(path: str, line: int, text: str, pattern: str | None = None,
                 end_line: int | None = None) -> DraftEdit:  # fmt: skip
    """Lines line..end_line (or the first of them matching `pattern`) become `text`."""
    return DraftEdit(path, "replace", text, line=line, end_line=end_line or line,
                     pattern=pattern)  # fmt: skip


def replace_entry(path: str, line: int, text: str) -> DraftEdit:
    """The compat entry starting on `line` (one line, or a compat macro's block) becomes
    `text`, one-line entries ("" removes it)."""
    return DraftEdit(path, "entry", text, line=line)


def merged_subsections(ctx: RuleContext, v: Vmsd, path: str) -> tuple[str, tuple[DraftEdit, ...]]:
    """(text, edits) turning the several `.subsections` initializers of `v` (C keeps only
    the last) into one list of all their subsections."""
    return (
        comment(f"in {v.c_name}: one .subsections list with the entries of all "
                f"{v.subsections_initializers} (C keeps only the last)"),
        (DraftEdit(path, "merge", "", line=v.line, end_line=v.end_line),),
    )


def insert_before(path: str, line: int, text: str) -> DraftEdit:
    """`text` before line `line`."""
    return DraftEdit(path, "insert", text, line=line)


def comment(text: str, indent: str = "") -> str:
    """A C comment wrapped to 80 columns (one line when it fits)."""
    one = f"{indent}/* {text} */"
    if len(one) <= WIDTH:
        return one
    body = textwrap.wrap(text, WIDTH - len(indent) - 3, break_long_words=False,
                         break_on_hyphens=False)  # fmt: skip
    return "\n".join([f"{indent}/*", *(f"{indent} * {ln}" for ln in body), f"{indent} */"])


def call(head: str, args: list[str], tail: str = ";", indent: str = "") -> str:
    """`head(a, b, c);` wrapped at 80 columns QEMU-style (continuation under the paren)."""
    one = f"{indent}{head}({', '.join(args)}){tail}"
    if len(one) <= WIDTH:
        return one
    lines: list[str] = []
    cur = f"{indent}{head}("
    pad = " " * len(cur)
    for i, a in enumerate(args):
        piece = a + (", " if i < len(args) - 1 else f"){tail}")
        if len(cur) + len(piece.rstrip()) > WIDTH and cur.strip() and not cur.endswith("("):
            lines.append(cur.rstrip())
            cur = pad
        if len(cur) + len(piece.rstrip()) > WIDTH and " | " in a:
            # a long OR of flags: one operand a line, as QEMU writes them
            *head_ops, last = a.split(" | ")
            for op in head_ops:
                if len(cur) + len(op) + 2 > WIDTH and cur.strip() and not cur.endswith("("):
                    lines.append(cur.rstrip())
                    cur = pad
                cur += f"{op} | "
            piece = last + piece[len(a):]
            if len(cur) + len(piece.rstrip()) > WIDTH:
                lines.append(cur.rstrip())
                cur = pad
        cur += piece
    lines.append(cur.rstrip())
    return "\n".join(lines)


def c_ident(text: str) -> str:
    """A C identifier derived from a name: "icp/server" -> "icp_server"."""
    s = re.sub(r"\W+", "_", text).strip("_").lower()
    return s or "section"


@dataclass(frozen=True, slots=True)
class Instances:
    """How an old section was registered: once (`count` None, not in a loop) or per loop
    iteration up to `count`, with which instance id."""

    in_loop: bool
    count: str | None  # the old loop bound as written, None when not known
    instance: str  # instance id expression ("i", "0", "cpu->vcpu_id")


def machine_families(ctx: RuleContext, path: str, type_name: str | None) -> list[str]:
    """The machine families whose versioned types reach code in `path` / this type; [] when
    the tree knows no versioned machine type reaches the type."""
    t = tree(ctx, "new") or tree(ctx, "old")
    if t is not None and type_name and not t.on_versioned_machine(type_name):
        return []
    for prefix, fam in _FAMILIES:
        if path.startswith(prefix):
            return [fam]
    return ["pc", "q35", "virt", "pseries", "s390-ccw-virtio"]


_FAMILIES = (
    ("hw/i386/", "pc"),
    ("hw/ppc/spapr", "pseries"),
    ("hw/intc/xics", "pseries"),
    ("hw/arm/virt", "virt"),
    ("hw/s390x/", "s390-ccw-virtio"),
    ("hw/m68k/virt", "m68k virt"),
)


def dummy_section_draft(
    ctx: RuleContext,
    wire: str | None,
    old: Vmsd | None,
    inst: Instances,
    families: list[str],
    place: tuple[str, int] | None = None,
) -> tuple[str, tuple[DraftEdit, ...]]:
    """A dummy VMStateDescription that swallows sections old QEMUs still send: (text, edits).

    `place` (path, first line of the function that registered or created the old object,
    still there at head): the dummy goes before that function and its registration at the
    start of its body, under the machine-class flag; without it the draft is not placed.

    Modelled on 46f7afa37096 (pre_2_10_vmstate_dummy_icp): same `.name` and versions as the old
    section, VMSTATE_UNUSED of the old wire size per field, `.needed` false so nothing is
    sent, registered only for machine types that had the section, through a machine-class flag.
    """
    name = wire or (old.name if old is not None else None) or "section"
    ident = c_ident(name)
    version = old.version_id if old is not None and old.version_id is not None else 1
    minimum = (
        old.minimum_version_id
        if old is not None and old.minimum_version_id is not None
        else version
    )
    if old is not None and old.payload_fields:
        fields = "\n".join(unused_line(ctx, [f]) for f in old.payload_fields)
    else:
        fields = unused_line(ctx, [])
    newest = C.compat_target(ctx)
    flag = flag_name(newest, wire)
    reg = call("vmstate_register", ["NULL", inst.instance, f"&vmstate_dummy_{ident}",
                                    "(void *)(uintptr_t)i" if inst.in_loop else "NULL"],
               indent="        " if inst.in_loop else "    ")  # fmt: skip
    if inst.in_loop:
        count = inst.count or "n"
        head = "" if inst.count else (
            "    " + fill("the number of instances older QEMUs registered") + "\n"
            "    int n = 0;\n\n"
        )
        register = (f"{head}    for (int i = 0; i < {count}; i++) {{\n{reg}\n    }}")
    else:
        register = reg
    if not families:
        where = comment("no versioned machine type reaches this device: register the dummy "
                        "only if a board with versioned types can have it")  # fmt: skip
    elif newest is None:
        where = comment(f"in the options of the {', '.join(families)} machine types of the "
                        f"last release and older: mc->{flag} = true;")  # fmt: skip
    else:
        where = comment(f"in the options of the {', '.join(families)} machine types "
                        f"{newest[0]}.{newest[1]} and older: mc->{flag} = true;")  # fmt: skip
    defs = f"""static bool dummy_{ident}_needed(void *opaque)
{{
    return false; /* never sent; only swallows what older QEMUs send */
}}

static const VMStateDescription vmstate_dummy_{ident} = {{
    .name = "{name}",
    .version_id = {version},
    .minimum_version_id = {minimum},
    .needed = dummy_{ident}_needed,
    .fields = (const VMStateField[]) {{
{fields}
        VMSTATE_END_OF_LIST()
    }},
}};

"""
    defs = defs.rstrip("\n") + "\n"
    text = f"""{defs}
/* in MachineClass (include/hw/boards.h): */
    bool {flag};
/* machine init: only machine types that still had the section */
if (mc->{flag}) {{
{register}
}}
/* where the real object appears (plug): vmstate_unregister() its dummy */
{where}"""
    if place is None:
        return text, ()
    path, start = place
    inner = "\n".join(f"    {ln}" if ln.strip() else ln for ln in register.split("\n"))
    block = (f"    if (MACHINE_GET_CLASS(qdev_get_machine())->{flag}) {{\n{inner}\n    }}\n")
    template = "{\\n" + block.replace("\\", "\\\\").replace("\n", "\\n")
    return text, (
        DraftEdit("include/hw/boards.h", "member", f"    bool {flag};",
                  anchor="MachineClass", optional=True),
        insert_before(path, start, defs + "\n"),
        sub_in(path, start, start + 6, r"^\{\s*$", template.removesuffix("\\n")),
    )  # fmt: skip


# a machine class flag in a condition: kept as before for the machine types that set it
KEEP_FLAG = re.compile(r"(?:\)|\bmc)\s*->\s*(?:pre_\d+_\d+_\w+|keeps_\w+)")


def keep_for_old_draft(
    ctx: RuleContext,
    path: str,
    call_line: int,
    cond: str,
    what: str,
    families: list[str],
) -> tuple[str, tuple[DraftEdit, ...]] | None:
    """For an object or registration that became conditional: keep it, as before, for the
    machine types that had it — `if (cond || <machine class flag>)`, the flag set in the
    options of the last release's machine types and older (8ad9087c4a07 kept the s390 PHB
    for old machine types by making its condition true there). None when the `if` is not
    found on one line just above the call."""
    fm = file_model(ctx, path, "new")
    newest = C.compat_target(ctx)
    nxt = next_release(newest)
    flag = (f"pre_{nxt[0]}_{nxt[1]}_keeps_{c_ident(what)}" if nxt is not None
            else f"keeps_{c_ident(what)}")  # fmt: skip
    if fm is None or not cond or "\n" in cond:
        return None
    head = f"    if ({cond} ||"
    tail = f"        MACHINE_GET_CLASS(qdev_get_machine())->{flag}) {{"
    if len(head) > WIDTH or len(tail) > WIDTH:
        return None
    if not families:
        return None
    ver = f"{newest[0]}.{newest[1]}" if newest is not None else "of the last release"
    where = comment(f"in the options of the {', '.join(families)} machine types {ver} "
                    f"and older: mc->{flag} = true;")  # fmt: skip
    text = (f"/* in MachineClass (include/hw/boards.h): */\n    bool {flag};\n"
            f"/* keep it for the machine types that had it: */\n{head}\n{tail}\n{where}")
    pattern = r"^(\s*)if\s*\(\s*" + re.escape(cond).replace("\\ ", r"\s*") + r"\s*\)\s*\{"
    template = ("\\1if (" + cond.replace("\\", "\\\\") + " ||\\n\\1    "
                f"MACHINE_GET_CLASS(qdev_get_machine())->{flag}) {{")
    return text, (
        DraftEdit("include/hw/boards.h", "member", f"    bool {flag};",
                  anchor="MachineClass", optional=True),
        sub_in(path, max(1, call_line - 3), call_line, pattern, template),
    )  # fmt: skip


def flag_name(newest: tuple[int, int] | None, wire: str | None) -> str:
    """Machine-class flag name such as `pre_11_0_has_unused_icp_server`."""
    nxt = next_release(newest)
    if nxt is None:
        return f"has_unused_{c_ident(wire or 'section')}"
    return f"pre_{nxt[0]}_{nxt[1]}_has_unused_{c_ident(wire or 'section')}"


# ---- a compat-property gate: member, property, compat entry ---------------------------------


@dataclass(frozen=True, slots=True)
class Device:
    """The QOM type behind a vmsd or a function, with where its class puts properties."""

    path: str  # file defining the type
    type_name: str | None  # QOM type name (resolved)
    type_expr: str | None  # TYPE_* as written
    props_array: str | None  # the Property[] array its class_init installs
    abstract: bool = False
    props_path: str | None = None  # file defining props_array (None: `path`)


def device_of_vmsd(ctx: RuleContext, c_name: str) -> Device | None:
    """The device whose class sets dc->vmsd to `c_name` (unit files, then the tree)."""
    for path, m in models(ctx, "new"):
        inits = {ci.function: ci for ci in m.class_inits if ci.vmsd == c_name}
        for t in m.types:
            if t.class_init in inits:
                ci = inits[t.class_init]
                return Device(path, t.name, t.name_expr, ci.props[0] if ci.props else None,
                              t.abstract)  # fmt: skip
    tv = tree(ctx, "new")
    if tv is None:
        return None
    for name in tv.types_for_vmsd(c_name):
        rec = tv.type_record(name)
        if rec is None:
            continue
        cinit = tv.class_init_of(name)
        if cinit is None or cinit.vmsd != c_name:
            continue
        props = cinit.props[0] if cinit.props else None
        return Device(rec.path, name, rec.info.name_expr, props, rec.info.abstract)
    return None


def struct_def(ctx: RuleContext, name: str | None, side: Side = "new"
               ) -> tuple[str, StructDef] | None:  # fmt: skip
    """(path, definition) of a struct by tag or typedef name: the unit's files, then the
    tree."""
    key = type_key(name)
    if not key:
        return None
    for path, m in models(ctx, side):
        for sd in m.structs:
            if sd.name == key or key in sd.aliases:
                return path, sd
    t = tree(ctx, side)
    return t.struct_at(key) if t is not None else None


def has_member(ctx: RuleContext, struct: str | None, member: str) -> bool | None:
    """Whether struct `struct` has a member path `member` (None: the layout is unknown)."""
    if struct_def(ctx, struct) is None:
        return None

    def look(n: str) -> StructDef | None:
        found = struct_def(ctx, n)
        return found[1] if found is not None else None

    return resolve_member(look, struct, member) is not None


def renamed_member(ctx: RuleContext, struct: str, member: str) -> str | None:
    """The new name of a member the head's struct lost: the one member of the same type
    and shape the base's struct did not have (`PCIDevice dev` -> `PCIDevice parent_obj`)."""
    old, new = struct_def(ctx, struct, "old"), struct_def(ctx, struct, "new")
    if old is None or new is None:
        return None
    return member_renames(old[1], new[1]).get(member)


def device_of_state(ctx: RuleContext, state: str | None) -> Device | None:
    """The device whose properties live in state struct `state`: the QOM type whose
    class_init installs a Property array with DEFINE_PROP_* entries of that struct (the type
    the other candidates derive from, e.g. virtio-gpu-device for VirtIOGPU)."""
    key = type_key(state)
    if not key:
        return None
    found: list[Device] = []
    for path, m in models(ctx, "new"):
        arrays = {p.array for p in m.properties if p.struct and type_key(p.struct) == key}
        inits = {ci.function: ci for ci in m.class_inits}
        for t in m.types:
            ci = inits.get(t.class_init or "")
            arr = next((a for a in ci.props if a in arrays), None) if ci is not None else None
            if arr is not None:
                found.append(Device(path, t.name or _type_string(ctx, t.name_expr),
                                    t.name_expr, arr, t.abstract, path))  # fmt: skip
    tv = tree(ctx, "new")
    if tv is not None:
        for apath, arr in tv.prop_arrays_of_struct(key):
            for name in tv.types_with_props(arr, apath):
                rec = tv.type_record(name)
                if rec is not None:
                    found.append(Device(rec.path, name, rec.info.name_expr, arr,
                                        rec.info.abstract, apath))  # fmt: skip
    if not found:
        return _type_sized_by(ctx, key)
    if tv is None:
        return found[0]
    names = {d.type_name for d in found if d.type_name}
    roots = [d for d in found if not d.type_name
             or not names.intersection(tv.type_ancestors(d.type_name))]  # fmt: skip
    return (roots or found)[0]


def _type_sized_by(ctx: RuleContext, key: str) -> Device | None:
    """The type whose instances are `key` (`.instance_size = sizeof(key)`), e.g. an abstract
    base whose subtypes a loop registers (e1000-base for E1000State); its Property array
    is the one of its file naming `key`, if any."""
    size = re.compile(rf"^sizeof\s*\(\s*(?:struct\s+)?{re.escape(key)}\s*\)$")
    hits: list[tuple[str, str | None, str | None, bool]] = []
    for path, m in models(ctx, "new"):
        hits += [(path, t.name or _type_string(ctx, t.name_expr), t.name_expr, t.abstract)
                 for t in m.types if size.match(norm(t.instance_size_expr))]  # fmt: skip
    tv = tree(ctx, "new")
    if not hits and tv is not None:
        for name in tv.type_names():
            rec = tv.type_record(name)
            if rec is not None and size.match(norm(rec.info.instance_size_expr)):
                hits.append((rec.path, name, rec.info.name_expr, rec.info.abstract))
    if len(hits) != 1:
        return None
    path, found, expr, abstract = hits[0]
    arrays = [a for p, a in (tv.prop_arrays_of_struct(key) if tv is not None else ())
              if p == path]  # fmt: skip
    return Device(path, found, expr, arrays[0] if len(arrays) == 1 else None, abstract, path)


def _type_string(ctx: RuleContext, expr: str | None) -> str | None:
    """The string a TYPE_* expression comes down to (None when it does not)."""
    if not expr:
        return None
    t = tree(ctx, "new")
    if t is not None:
        got = t.resolve_expr(norm(expr))
        if got:
            return got[0]
    lit = resolve_value(ctx, expr, "new")
    return lit[1:-1] if lit is not None and lit.startswith('"') else None


@dataclass(frozen=True, slots=True)
class Holder:
    """Where a nested struct sits in the state that holds it: `state.member` (the parent
    vmsd's VMSTATE_STRUCT* field names both)."""

    state: str  # the containing struct as the field writes it ("struct VirtIOGPU")
    member: str  # member path ("parent_obj.scanout")
    array: bool  # the member is an array: opaque is one of its elements


def nested_holder(ctx: RuleContext, parent: Vmsd, c_name: str) -> Holder | None:
    """How `c_name`'s opaque sits in `parent`'s: None when a pointer lies between (no
    container_of reaches back) or the field does not say."""
    for f in parent.payload_fields:
        if f.vmsd_ref != c_name or not f.c_field or not f.struct:
            continue
        if "pointer" in f.flags or "POINTER" in f.macro or "->" in f.c_field:
            return None

        def look(n: str) -> StructDef | None:
            found = struct_def(ctx, n)
            return found[1] if found is not None else None

        ref = resolve_member(look, f.struct, f.c_field)
        if ref is not None and ref.member.pointer:
            return None
        array = bool(ref.dims) if ref is not None else bool(f.count)
        state = " ".join(f.struct.replace("*", " ").replace("const", " ").split())
        return Holder(state, re.sub(r"\s+", "", f.c_field), array)
    return None


def device_of_function(ctx: RuleContext, path: str, function: str | None) -> Device | None:
    """The device of a function in `path`: the one type defined there with a vmsd or
    properties (realize, get_features and the like belong to it)."""
    found: list[Device] = []
    for p, m in models(ctx, "new"):
        if p != path:
            continue
        inits = {ci.function: ci for ci in m.class_inits}
        for t in m.types:
            ci = inits.get(t.class_init or "")
            if ci is not None and (ci.vmsd or ci.props):
                found.append(Device(p, t.name, t.name_expr,
                                    ci.props[0] if ci.props else None, t.abstract))  # fmt: skip
    return found[0] if len(found) == 1 else None


def reaches_versioned(ctx: RuleContext, type_name: str) -> bool:
    """Whether a versioned machine type can have this type (True when the tree cannot tell)."""
    t = tree(ctx, "new")
    return t is None or t.on_versioned_machine(type_name)


def concrete_types(ctx: RuleContext, dev: Device) -> list[str]:
    """The QOM type names a compat entry must name: the type itself, or, for an abstract
    type, every concrete subtype the tree knows (the abstract name when it knows none)."""
    name = dev.type_name or _type_string(ctx, dev.type_expr) or (
        norm(dev.type_expr) if dev.type_expr else None)
    if name is None:
        return []
    tv = tree(ctx, "new")
    if not dev.abstract or tv is None or dev.type_name is None:
        return [name]
    subs = []
    for n in tv.type_descendants(dev.type_name):
        t = tv.type_by_name(n)
        if t is not None and not t.abstract:
            subs.append(n)
    return subs or [name]


@dataclass(frozen=True, slots=True)
class Gate:
    """A bool property (default on, off for older machine types) the draft gates on."""

    state: str | None  # the device state struct (None: unknown)
    member: str  # its new bool member
    prop: str  # "x-migrate-foo"
    device: Device | None


def gate_for(ctx: RuleContext, state: str | None, device: Device | None, stem: str) -> Gate:
    """The gate named after `stem` ("irq_mask" -> migrate_irq_mask, "x-migrate-irq-mask")."""
    s = c_ident(stem)
    return Gate(state, f"migrate_{s}", f"x-migrate-{s.replace('_', '-')}", device)


def new_props_array(ctx: RuleContext, dev: Device | None, prop: str
                    ) -> tuple[str, tuple[DraftEdit, ...]] | None:  # fmt: skip
    """(text, edits) of a Property array for a device that has none: the array before the
    vmsd its class_init sets (the state struct is defined by then), installed right after
    `dc->vmsd = ...` with device_class_set_props(dc, ...). None when that is not known."""
    if dev is None or not dev.type_name:
        return None
    tv = tree(ctx, "new")
    ci = None
    for path, m in models(ctx, "new"):
        if path == dev.path:
            names = {t.class_init for t in m.types if t.name == dev.type_name}
            ci = next((c for c in m.class_inits if c.function in names), None)
    if ci is None and tv is not None:
        ci = tv.class_init_of(dev.type_name)
    if ci is None or ci.vmsd_member != "dc->vmsd" or ci.vmsd is None or ci.vmsd_line is None:
        return None
    at = find_vmsd_at(ctx, ci.vmsd, "new")
    if at is None or at[1] != dev.path:
        return None
    array = f"{c_ident(dev.type_name)}_properties"
    ver = C.compat_target(ctx)
    old_style = ver is not None and ver < (9, 2)  # DEFINE_PROP_END_OF_LIST() until 9.2
    head = "static Property" if old_style else "static const Property"
    end = "    DEFINE_PROP_END_OF_LIST(),\n" if old_style else ""
    text = f"{head} {array}[] = {{\n{prop}\n{end}}};\n"
    install = f"    device_class_set_props(dc, {array});"
    return (
        f"/* a Property array for {dev.type_name}: */\n{text}"
        f"/* in {ci.function}(): */\n{install}",
        (insert_before(dev.path, at[0].line, text + "\n"),
         insert_before(dev.path, ci.vmsd_line + 1, install)),
    )  # fmt: skip


def gate_parts(ctx: RuleContext, gate: Gate) -> tuple[str, tuple[DraftEdit, ...]]:
    """(text, edits) declaring a gate: the struct member, the property, the compat entry."""
    parts: list[str] = []
    edits: list[DraftEdit] = []
    dev = gate.device
    state = gate.state
    if state is not None:
        bare = state.removeprefix("struct ").strip()
        where = struct_def(ctx, bare)
        if has_member(ctx, bare, gate.member):
            parts.append(f"/* {state} has {gate.member} already */")
        elif where is not None:
            parts += [f"/* in {state} ({where[0]}): */", f"    bool {gate.member};"]
            edits.append(DraftEdit(where[0], "member", f"    bool {gate.member};",
                                   anchor=where[1].name))  # fmt: skip
        else:
            parts += [f"/* in {state}: */", f"    bool {gate.member};"]
            if dev is not None:
                edits.append(DraftEdit(dev.path, "member", f"    bool {gate.member};",
                                       anchor=bare, optional=True))  # fmt: skip
        prop = call("DEFINE_PROP_BOOL", [f'"{gate.prop}"', bare, gate.member, "true"], ",",
                    "    ")  # fmt: skip
    else:
        parts.append(fill(f"the device state struct, and in it: bool {gate.member};"))
        prop = call("DEFINE_PROP_BOOL", [f'"{gate.prop}"', "/* state struct */ Object",
                                         gate.member, "true"], ",", "    ")  # fmt: skip
    if dev is not None and dev.props_array is not None:
        parts += [f"/* in {dev.props_array}[]: */", prop]
        edits.append(DraftEdit(dev.props_path or dev.path, "array", prop,
                               anchor=dev.props_array))  # fmt: skip
    elif (made := new_props_array(ctx, dev, prop)) is not None:
        parts.append(made[0])
        edits.extend(made[1])
    else:
        parts += [comment("in the device's Property array (add one with "
                          "device_class_set_props() if it has none):"), prop]  # fmt: skip
        edits.append(DraftEdit(dev.path if dev is not None else MACHINE_C, "missing",
                               "no Property array of the device to add the property to"))
    types = concrete_types(ctx, dev) if dev is not None else []
    if dev is not None and dev.type_name and not reaches_versioned(ctx, dev.type_name):
        parts.append(comment(f"no versioned machine type reaches {dev.type_name}: no "
                             "hw_compat entry; the property only lets users choose"))  # fmt: skip
        return "\n".join(parts), tuple(edits)
    if not types:
        types = [fill("the QOM type of the device") + ' ""']
    text, more = compat_entries(ctx, types, gate.prop, "false")
    parts.append(text)
    edits.extend(more)
    return "\n".join(parts), tuple(edits)


# ---- vmstate fields ---------------------------------------------------------------------------


def _count(ctx: RuleContext, f: VmstateField, side: Side) -> int | None:
    """The element count of an array field, through #defines; 1 for a scalar."""
    if f.count is None:
        return 1
    if f.count_value is not None:
        return f.count_value
    n = resolve_value(ctx, f.count, side)
    return int(n) if n is not None and re.fullmatch(r"\d+", n) else None


def field_wire_size(ctx: RuleContext, f: VmstateField, side: Side, depth: int = 0) -> int | None:
    """Bytes a field puts on the wire when the source fixes them: the element size times
    the count (through #defines), or for VMSTATE_STRUCT / VMSTATE_STRUCT_ARRAY the fixed
    size of the nested description times the count. None for pointers to pointers,
    variable arrays, lists, and nested descriptions with subsections or `_TEST` fields."""
    if f.wire_size is not None:
        return f.wire_size
    n = _count(ctx, f, side)
    if n is None:
        return None
    if f.elem_size is not None:
        return f.elem_size * n
    if f.info != "struct" or not f.vmsd_ref or depth > 8:
        return None
    if {"array_of_pointer", "varray", "alloc"} & set(f.flags):
        return None
    inner = nested_wire_size(ctx, f.vmsd_ref, side, depth + 1)
    return inner * n if inner is not None else None


def nested_wire_size(ctx: RuleContext, c_name: str, side: Side, depth: int = 0) -> int | None:
    """The fixed size of a description used nested (no header of its own on the wire):
    its fields up to its own version; None when anything in it is not fixed."""
    found = find_vmsd_at(ctx, c_name, side)
    if found is None:
        return None
    v = found[0]
    if v.subsections or v.version_id is None:
        return None
    total = 0
    for f in v.payload_fields:
        if f.test is not None:
            return None
        if f.version_id > v.version_id:
            continue  # not sent by this version of the description
        size = field_wire_size(ctx, f, side, depth)
        if size is None:
            return None
        total += size
    return total


def unused_line(ctx: RuleContext, fields: list[VmstateField], side: Side = "old") -> str:
    """`VMSTATE_UNUSED(n), /* was a, b */` for fields of that side: the size from the
    model, the count through #defines, else the element size times the count as written."""
    if not fields:
        what = fill("the bytes the section put on the wire")
        return f"        {what}\n        VMSTATE_UNUSED(0),"
    label = ", ".join(f.c_field or f.name for f in fields)
    terms: list[str] = []
    total = 0
    for f in fields:
        size = field_wire_size(ctx, f, side)
        if size is None and f.elem_size is not None and f.count is not None:
            if _IDENT.match(norm(f.count)):
                terms.append(f"{f.elem_size} * {norm(f.count)}")
                continue
        if size is None:
            what = f"bytes {f.c_field or f.name} ({f.macro}) put on the wire"
            return f"        {fill(what)}\n        VMSTATE_UNUSED(0), /* was {label} */"
        total += size
    size_text = " + ".join([*([str(total)] if total or not terms else []), *terms])
    line = f"        VMSTATE_UNUSED({size_text}), /* was {label} */"
    if len(line) > WIDTH:
        line = f"        /* was {label} */\n        VMSTATE_UNUSED({size_text}),"
    return line


def field_insert_line(old: Vmsd, new: Vmsd, pairs: dict[int, VmstateField],
                      f: VmstateField) -> int | None:  # fmt: skip
    """The new-side line a removed old field's placeholder goes before: the next old field
    still there, else the terminator. `pairs` maps id(old field) to its new field."""
    olds = list(old.payload_fields)
    try:
        i = next(k for k, o in enumerate(olds) if o is f)
    except StopIteration:
        return None
    for o in olds[i + 1 :]:
        n = pairs.get(id(o))
        if n is not None:
            return n.line
    end = next((x for x in new.fields if x.is_end), None)
    return end.line if end is not None else None


def sub_in(path: str, line: int, end_line: int, pattern: str, template: str) -> DraftEdit:
    """In the first line of line..end_line matching `pattern`, the match becomes
    `template` (re.sub syntax: `\\1` keeps a group as written)."""
    return DraftEdit(path, "sub", template, line=line, end_line=end_line, pattern=pattern)


def predicate_gate_draft(
    ctx: RuleContext, new: Vmsd, fields: list[VmstateField], stem: str, prefix: str = ""
) -> tuple[str, tuple[DraftEdit, ...]]:
    """For a struct-only description: `_TEST` fields whose predicate reads a compat property
    of the device the struct belongs to."""
    base = new.c_name.removeprefix("vmstate_") or "dev"
    fn = f"{base}_{stem}_needed"
    body = "\n".join(as_test_field(f, fn) for f in fields)
    uses = vmsd_uses(ctx, new.c_name, "new")
    top = uses.nested_in[0] if uses.nested_in else None
    held = nested_holder(ctx, top, new.c_name) if top is not None else None
    dev_state = held.state if held is not None else opaque_decl(top) if top is not None else None
    dev = device_of_vmsd(ctx, top.c_name) if top is not None else None
    dev = dev or device_of_state(ctx, dev_state)
    gate = gate_for(ctx, dev_state, dev, stem)
    gate_text, gate_edits = gate_parts(ctx, gate)
    state = opaque_decl(new) or "void"
    holder = dev_state or "void"
    if held is not None:
        bare = held.state.removeprefix("struct ").strip()
        decl = call(f"    {held.state} *s = container_of",
                    ["opaque", bare, held.member], ";")  # fmt: skip
        reach = (comment(f"opaque is an element of {bare}.{held.member}[]: this "
                         "container_of() is exact for element 0 only (elsewhere keep a back "
                         "pointer in the element)", "    ") + "\n"
                 if held.array else "")  # fmt: skip
        held_text = f"{reach}{decl}\n"
    else:
        reach = comment(f"fill in: reach the {holder} that holds this {state} (a back "
                        "pointer, container_of)", "    ")  # fmt: skip
        held_text = f"{reach}\n    {holder} *s = NULL;\n"
    func = (
        f"static bool {fn}(void *opaque, int version_id)\n"
        "{\n"
        f"{held_text}"
        "\n"
        f"    return s->{gate.member};\n"
        "}\n"
    )
    text = f"{prefix}{func}\n/* in {new.c_name}: */\n{body}\n{gate_text}\n"
    at = find_vmsd_at(ctx, new.c_name, "new")
    if at is None:
        return text, gate_edits
    edits = [insert_before(at[1], new.line, func + "\n")]
    edits += [replace_line(at[1], f.line, as_test_field(f, fn),
                             pattern=rf"\b{re.escape(f.macro)}\s*\(") for f in fields]  # fmt: skip
    return text, (*edits, *gate_edits)


# ---- gating one statement -----------------------------------------------------------------


def wrap_statement(path: str, line: int, cond: str, orelse: str = "") -> DraftEdit:
    """The statement starting on `line` (as written) put under `if (cond) { ... }`, with
    `orelse` (C statements) in an else branch when given."""
    return DraftEdit(path, "wrap", cond, line=line, orelse=orelse)


def machine_flag_gate(
    ctx: RuleContext, path: str, line: int, what: str, type_name: str | None
) -> tuple[str, tuple[DraftEdit, ...]]:
    """(text, edits): create/register `what` only for machine types newer than the last
    release, through a MachineClass flag set in the options of the older ones."""
    newest = C.compat_target(ctx)
    nxt = next_release(newest)
    flag = (f"pre_{nxt[0]}_{nxt[1]}_no_{c_ident(what)}" if nxt is not None
            else f"no_{c_ident(what)}")  # fmt: skip
    families = machine_families(ctx, path, type_name)
    cond = f"!MACHINE_GET_CLASS(qdev_get_machine())->{flag}"
    if not families:
        opts = comment("no versioned machine type reaches it: no machine needs the flag set")
    elif newest is None:
        opts = comment(f"in the options of the {', '.join(families)} machine types of the "
                       f"last release and older: mc->{flag} = true;")  # fmt: skip
    else:
        opts = comment(f"in the options of the {', '.join(families)} machine types "
                       f"{newest[0]}.{newest[1]} and older: mc->{flag} = true;")  # fmt: skip
    text = (f"/* in MachineClass (include/hw/boards.h): */\n    bool {flag};\n"
            f"/* at {path}:{line}: */\nif ({cond}) {{\n"
            f"    /* the statement that creates or registers {what} */\n}}\n{opts}")  # fmt: skip
    return text, (wrap_statement(path, line, cond),)


def state_of_device(ctx: RuleContext, dev: Device | None) -> str | None:
    """The state struct of a device: the opaque of the vmsd its class sets, if known."""
    if dev is None:
        return None
    for _, m in models(ctx, "new"):
        for t in m.types:
            if t.name == dev.type_name and t.class_init:
                for ci in m.class_inits:
                    if ci.function == t.class_init and ci.vmsd:
                        found = find_vmsd_at(ctx, ci.vmsd, "new")
                        if found is not None:
                            return opaque_decl(found[0])
    return None


def props_struct(ctx: RuleContext, dev: Device | None) -> str | None:
    """The struct the DEFINE_PROP_* entries of the device's Property array name (where
    a new property's member goes), as written there."""
    if dev is None or dev.props_array is None:
        return None
    for _, m in models(ctx, "new"):
        for p in m.properties:
            if p.array == dev.props_array and p.struct:
                return p.struct
    tv = tree(ctx, "new")
    if tv is not None and dev.type_name:
        for p in tv.properties_of_type(dev.type_name):
            if p.array == dev.props_array and p.struct:
                return p.struct
    return None


def _parent_chain(ctx: RuleContext, state: str) -> list[tuple[str, str]]:
    """(struct, member path) of the parents embedded first in `state`: NvmeCtrl ->
    [("PCIDevice", "parent_obj"), ("DeviceState", "parent_obj.qdev"), ("Object", ...)]."""
    out: list[tuple[str, str]] = []
    key, prefix = type_key(state), ""
    for _ in range(8):
        found = struct_def(ctx, key)
        if found is None or not found[1].members:
            break
        first = found[1].members[0]
        if first.pointer or first.dims or first.members:
            break
        key, prefix = type_key(first.type), f"{prefix}{first.name}"
        out.append((key, prefix))
        prefix += "."
    return out


def _var_types(ctx: RuleContext, path: str, function: str | None) -> dict[str, str]:
    """The struct each pointer parameter or variable of `function` points to."""
    fi = function_facts(file_model(ctx, path, "new"), function) if function else None
    if fi is None:
        return {}
    out = {n: type_key(t.replace("*", " ")) for t, n in fi.params if n and t.count("*") == 1}
    out.update({n: type_key(t) for t, n in fi.decls})
    return out


def state_expr(ctx: RuleContext, path: str, function: str | None, state: str | None
               ) -> str | None:  # fmt: skip
    """An expression for the `state *` of the device in `function` of `path`: a parameter
    or pointer variable of that type (`n`), else container_of() from one that points to a
    parent the state embeds first (`container_of(pci_dev, NvmeCtrl, parent_obj)`)."""
    fi = function_facts(file_model(ctx, path, "new"), function) if function else None
    if fi is None or not state:
        return None
    seen: list[tuple[str, str]] = []
    for t, n in fi.params:
        if n and t.count("*") == 1:
            seen.append((type_key(t.replace("*", " ")), n))
    seen += [(type_key(t), n) for t, n in fi.decls]
    key = type_key(state)
    for t, n in seen:
        if t == key:
            return n
    for parent, member in _parent_chain(ctx, key):
        for t, n in seen:
            if t == parent:
                return f"container_of({n}, {key}, {member})"
    return None


def property_gate_call(
    ctx: RuleContext, path: str, line: int, function: str | None, statement: str, stem: str,
    old_call: tuple[str, tuple[str, ...]] | None = None,
) -> tuple[str, tuple[DraftEdit, ...]]:  # fmt: skip
    """(text, edits): `statement` (a call, indented) only when a new compat property
    (default on, off for older machine types) says so; `old_call` (name, arguments), what
    the old side did instead, in the else branch."""
    dev = device_of_function(ctx, path, function)
    state = props_struct(ctx, dev) or state_of_device(ctx, dev)
    gate = gate_for(ctx, state, dev, stem)
    gate_text, gate_edits = gate_parts(ctx, gate)
    expr = state_expr(ctx, path, function, state)
    if expr is not None:
        reach = ""
        cond = f"{expr}->{gate.member}"
    else:
        holder = gate.state or "device state"
        reach = comment(f"fill in: s, the {holder} of this device in {function or 'here'}")
        reach += "\n"
        cond = f"s->{gate.member}"
    orelse = ""
    note = ""
    if old_call is not None:
        types = _var_types(ctx, path, function)
        args = list(old_call[1])
        for v, m in set(re.findall(r"\b(\w+)\s*->\s*(\w+)", " ".join(args))):
            if has_member(ctx, types.get(v), m) is False:
                now = renamed_member(ctx, types[v], m)
                if now is not None:
                    args = [re.sub(rf"\b{v}\s*->\s*{m}\b", f"{v}->{now}", a) for a in args]
        old_statement = call(old_call[0], args, ";", "    ")
        gone = sorted({f"{v}->{m}" for v, m in re.findall(r"\b(\w+)\s*->\s*(\w+)",
                                                          old_statement)
                       if has_member(ctx, types.get(v), m) is False})  # fmt: skip
        if gone:
            note = comment("the old machine types need what the old code did: "
                           f"{norm(old_statement)} (the head has no {', '.join(gone)})") + "\n"
        else:
            orelse = old_statement
    if orelse:
        text = f"{reach}if ({cond}) {{\n{statement}\n}} else {{\n{orelse}\n}}\n"
    else:
        text = f"{reach}if ({cond}) {{\n{statement}\n}}\n{note}"
    return text + gate_text, (wrap_statement(path, line, cond, orelse), *gate_edits)


def subsection_gate_draft(
    ctx: RuleContext, new: Vmsd, fields: list[VmstateField], owner: Vmsd | None = None
) -> tuple[str, tuple[DraftEdit, ...]]:
    """A subsection carrying `fields`, its `.needed` tied to a compat property: (text, edits).

    `owner` is the vmsd that gets the new subsection: `new` itself for a section, the parent
    section when `new` is a subsection (the new one becomes its sibling).
    """
    host = owner or new
    parent = vmsd_label(host)
    first = c_ident(field_label(fields[0]).split(".")[-1].split("[")[0]) or "field"
    base = host.c_name.removeprefix("vmstate_") or "dev"
    sub_c = f"vmstate_{base}_{first}"
    state = opaque_decl(new)
    dev = device_of_vmsd(ctx, host.c_name) or device_of_state(ctx, opaque_decl(host))
    gate = gate_for(ctx, state, dev, first)
    fields_text = "\n".join(_unversioned(f, state) for f in fields)
    needed = f"{base}_{first}_needed"
    body = (
        f"    {state} *s = opaque;\n\n    return s->{gate.member};\n"
        if state is not None
        else f"    {fill(f'the state struct; return its {gate.member}')}\n    return true;\n"
    )
    gate_text, gate_edits = gate_parts(ctx, gate)
    runtime = _runtime_needed(state, fields)
    if runtime is not None and any(e.op == "missing" for e in gate_edits):
        # no device to hang a compat property on (a bus's state): send the subsection
        # only while the new state differs from its reset value
        body, gate_text, gate_edits = runtime, "", ()
    subsection = (
        f"static bool {needed}(void *opaque)\n"
        "{\n"
        f"{body}"
        "}\n"
        "\n"
        f"static const VMStateDescription {sub_c} = {{\n"
        f'    .name = "{parent}/{first}",\n'
        "    .version_id = 1,\n"
        "    .minimum_version_id = 1,\n"
        f"    .needed = {needed},\n"
        "    .fields = (const VMStateField[]) {\n"
        f"{fields_text}\n"
        "        VMSTATE_END_OF_LIST()\n"
        "    },\n"
        "};\n"
    )
    existing = "".join(f"        &{c},\n" for c in host.subsections)
    listing = (
        "    .subsections = (const VMStateDescription * const []) {\n"
        f"{existing}"
        f"        &{sub_c},\n"
        "        NULL\n"
        "    },\n"
    )
    text = (
        f"{subsection}\n/* in {host.c_name}: */\n{listing}\n"
        + comment(f"and the new fields' defaults in {base}'s pre_load, for streams "
                    "without the subsection")
        + (f"\n{gate_text}\n" if gate_text else "\n")
    )
    found = find_vmsd_at(ctx, host.c_name, "new")
    new_at = find_vmsd_at(ctx, new.c_name, "new")
    if found is None or new_at is None:
        return text, ()
    path, new_path = found[1], new_at[1]
    edits: list[DraftEdit] = [
        replace_line(new_path, f.line, "", pattern=rf"\b{re.escape(f.macro)}\s*\(")
        for f in fields
    ]
    edits.append(insert_before(path, host.line, subsection))
    if host.subsections:
        edits.append(replace_line(path, host.line, f"        &{sub_c},\n        NULL",
                                    pattern=r"^\s*NULL\s*,?\s*$",
                                    end_line=host.end_line))  # fmt: skip
    else:
        edits.append(insert_before(path, host.end_line, listing))
    return text, (*edits, *gate_edits)


_SCALAR = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                     "uint64"})  # fmt: skip


def _runtime_needed(state: str | None, fields: list[VmstateField]) -> str | None:
    """A `.needed` body true while any of the scalar `fields` is off its reset value (0),
    or None when a field is not a plain scalar member."""
    if state is None or not fields:
        return None
    tests: list[str] = []
    for f in fields:
        if f.info not in _SCALAR or f.count is not None or not f.c_field:
            return None
        if not re.fullmatch(r"[A-Za-z_][\w.]*", f.c_field):
            return None
        tests.append(f"s->{f.c_field}" if f.info == "bool" else f"s->{f.c_field} != 0")
    cond = " || ".join(tests)
    if len(cond) > WIDTH - 12:
        return None
    return (f"    {state} *s = opaque;\n\n"
            f"    {comment('sent only while set: older QEMUs fail to load it only then')}\n"
            f"    return {cond};\n")  # fmt: skip


def _unversioned(f: VmstateField, state: str | None = None) -> str:
    """The field as written, without its `_V` gate (a new subsection starts at version 1);
    with `state`, a field naming another struct (the wrong offset) names `state` instead."""
    macro, args = f.macro, list(f.args)
    if macro.endswith("_V") and f.version_id > 0 and args:
        macro, args = macro[:-2], args[:-1]
    if state is not None and f.struct and len(args) > 1 and norm(args[1]) == norm(f.struct) \
            and type_key(f.struct) != type_key(state):  # fmt: skip
        args[1] = state
    return call(macro, args, ",", "        ")
