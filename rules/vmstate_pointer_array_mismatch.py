"""MIG040 vmstate-pointer-array-mismatch: a pointer macro on an inline array, or the reverse.

*What it flags*

A `VMSTATE_*` field, added or changed by the patch, whose macro and C member disagree about
where the data lives, with the member's declaration read from the struct definition (the
changed files first, then every header and source of the tree; member paths such as
`kcs.inmsg` are followed through embedded structs):

- a pointer macro (`VMSTATE_VBUFFER*`, `VMSTATE_BUFFER_POINTER_UNSAFE`, `*_VARRAY_*_ALLOC`,
  `VMSTATE_STRUCT_VARRAY_POINTER_*` — `VMS_POINTER`) on a member that is an inline array;
- an inline macro (`VMSTATE_BUFFER*`, `*_ARRAY`, `VMSTATE_STRUCT*` without `VMS_POINTER`) on a
  member that is a pointer.

Members whose declaration cannot be found, arrays of pointers, typedef'd pointer types and
fields with their own `VMStateInfo` (`VMSTATE_BUFFER_UNSAFE_INFO*`, `SHPC_VMSTATE`: its
.get/.put follows the pointer itself) are left alone.

*Why it breaks migration*

`VMS_POINTER` makes the migration code read a pointer at the field's offset and save the
memory it points to. On an inline array the first bytes of the array are taken as an address:
saving reads from a random address (crash, or garbage on the wire) and loading writes there.
The reverse saves the pointer value and the bytes after it instead of the buffer, and loading
overwrites the pointer. The `_UNSAFE`/`VBUFFER` macros have no compile-time type check, so
the build does not catch it.

*Example*

```c
typedef struct IPMIKCS {
    uint8_t inmsg[MAX_IPMI_MSG_SIZE];
    uint32_t inlen;
} IPMIKCS;

VMSTATE_VBUFFER_UINT32(kcs.inmsg, ISAIPMIKCSDevice, 1, NULL, kcs.inlen),
```

*Instead*

Use the inline form for arrays (`VMSTATE_UINT8_ARRAY(kcs.inmsg, ISAIPMIKCSDevice,
MAX_IPMI_MSG_SIZE)`, `VMSTATE_BUFFER`), the pointer form for heap memory
(`VMSTATE_BUFFER_POINTER_UNSAFE`, `VMSTATE_VBUFFER_ALLOC_UINT32`,
`VMSTATE_STRUCT_VARRAY_POINTER_*`). For a one-dimensional array of a scalar type the draft
is the `VMSTATE_<T>_ARRAY` field that sends the whole array.

*References*

- docs/devel/migration/main.rst "VMState"; include/migration/vmstate.h (`VMS_POINTER`)
- QEMU commits bd66bcfca571 (fixed by d668fc4c7c "ipmi: fix qemu crash while migrating") and
  50a5be6c3d50 (sd: `VMSTATE_BUFFER_UNSAFE` on a heap buffer, fixed by 5f00679ee9 with
  `VMSTATE_BUFFER_POINTER_UNSAFE`)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd, VmstateField
from bot.model.layout import MemberRef, resolve_member
from bot.rulekit import drafts as D
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.layout import struct_lookup
from bot.rulekit.vmsd import field_entity, field_label, introduced_fields, vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG040",
    name="vmstate-pointer-array-mismatch",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="a pointer VMSTATE macro names an inline array, or an inline macro a pointer",
    fix_hint="use the inline macro for arrays, the _POINTER/VBUFFER/ALLOC form for heap memory",
    kinds=("vmsd",),
    # savevm reads and loadvm writes through the wrong memory in the same binary, on every
    # board: the severity does not follow reach (06a1cea5f631, pl330 on unversioned boards)
    any_reach=True,
)

# Wire kinds whose data an inline (non-VMS_POINTER) macro reads from the struct itself.
_INLINE = frozenset({"array", "buffer", "varray", "struct", "vbuffer"})


def mismatch(f: VmstateField, ref: MemberRef) -> str | None:
    """Why field `f` cannot be right for that member, or None."""
    flags = set(f.flags)
    if "array_of_pointer" in flags or f.info == "custom":
        return None  # a custom VMStateInfo's .get/.put decides how the member is reached
    if "pointer" in flags:
        if ref.is_inline_array:
            return (
                f"is an inline array ({ref.member.type} {ref.member.name}"
                f"[{']['.join(ref.dims)}]), but {f.macro} treats it as a pointer (VMS_POINTER)"
            )
        return None
    if flags & _INLINE and ref.is_pointer and "(" not in ref.member.type:
        return (
            f"is a pointer ({ref.member.type} *{ref.member.name}), but {f.macro} reads the "
            "data from the struct itself (no VMS_POINTER)"
        )
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for introduced fields whose macro and member disagree on pointer vs array."""
    _, new = vmsd_change(change)
    if new is None:
        return
    fields = introduced_fields(change)
    if not fields:
        return
    look = struct_lookup(ctx, "new")
    for f in fields:
        if f.struct is None or f.c_field is None or not f.flags:
            continue
        ref = resolve_member(look, f.struct, f.c_field)
        if ref is None:
            continue
        why = mismatch(f, ref)
        if why is None:
            continue
        draft, edits = _array_draft(ctx, new, f, ref)
        yield Hit(
            message=(
                f"field '{field_label(f)}' of vmsd '{vmsd_label(new)}': member "
                f"{f.struct}.{f.c_field} {why}; saving reads and loading writes the wrong "
                "memory (crash or corrupted state on both sides)"
            ),
            line=f.line,
            side="new",
            entity=field_entity(new, f),
            fix_draft=draft,
            fix_edits=edits,
        )


# element type of an inline array -> the VMSTATE_<T>_ARRAY family that sends all of it
_ARRAY_MACRO = {
    "uint8_t": "UINT8",
    "uint16_t": "UINT16",
    "uint32_t": "UINT32",
    "uint64_t": "UINT64",
    "int8_t": "INT8",
    "int16_t": "INT16",
    "int32_t": "INT32",
    "int64_t": "INT64",
    "bool": "BOOL",
}


def _array_draft(
    ctx: RuleContext, v: Vmsd, f: VmstateField, ref: MemberRef
) -> tuple[str | None, tuple[DraftEdit, ...]]:
    """A pointer macro (VBUFFER ...) on a one-dimensional inline array of a scalar type:
    the `VMSTATE_<T>_ARRAY[_V]` field that sends the whole array, where the field was."""
    kind = _ARRAY_MACRO.get(ref.member.type)
    if "pointer" not in f.flags or kind is None or len(ref.dims) != 1 or f.test:
        return None, ()
    at = find_vmsd_at(ctx, v.c_name, "new")
    if at is None or f.struct is None or f.c_field is None:
        return None, ()
    later = [g.line for g in v.fields if g.line > f.line]
    end = (min(later) - 1) if later else f.line
    args = [f.c_field, f.struct, ref.dims[0]]
    macro = f"VMSTATE_{kind}_ARRAY"
    if f.version_id > (v.minimum_version_id or 0):  # every accepted stream has it otherwise
        macro, args = f"{macro}_V", [*args, str(f.version_id)]
    text = D.call(macro, args, ",", "        ")
    return text, (D.replace_line(at[1], f.line, text, end_line=end),)
