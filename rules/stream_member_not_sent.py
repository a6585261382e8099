"""MIG073 stream-member-not-sent: a new member of a struct that hand-written code migrates

*What it flags*

A scalar member (or array of scalars) added to a struct whose instances are migrated by
hand-written stream code — a `VMStateInfo` `.get`/`.put` pair, an old `save`/`load` pair
registered with `register_savevm*`, a `save_config`/`load_config` hook — that sends the
struct member by member (`qemu_put_be32s(f, &v->PageMask)` for at least three members),
when the change writes the new member outside realize/init code and none of those stream
functions mentions it. Stream functions in hw/ and the targets' directories are looked at;
the struct may be declared in any header. A device whose own file both writes the member
and migrates it by hand is left to MIG065 (guest-register-not-migrated), which knows its
guest access handlers.

*Why it breaks migration*

Hand-written stream code only sends what it names. A member the guest's actions now set (a
TLB entry's memory-map id, a latched register) is not in the stream, so after migration the
destination holds its reset value and the guest's state silently changes under it: TLB
entries that no longer match, a register that reads back wrong. Unlike a `VMStateDescription`,
nothing tells the author that the struct grew: the code that migrates it sits in another
file the change does not touch.

*Example*

```c
 struct r4k_tlb_t {
     uint16_t ASID;
+    uint32_t MMID;
 };
+    tlb->MMID = env->CP0_MemoryMapID;      /* r4k_fill_tlb() */
```

while `get_tlb()`/`put_tlb()` in target/mips/machine.c put and get `v->VPN`, `v->PageMask`,
`v->ASID`, ... but no `MMID` (QEMU commit 99029be1c287, fixed by 59e759275690, which adds
the member to both functions and bumps the vmsd version).

*Instead*

Send the member in both the save and the load function, behind a version bump of the section
(or the `VMStateInfo`'s vmsd), or move the struct to a `VMStateDescription` and add the
member in a subsection whose `.needed` tests a non-reset value.

*References*

- docs/devel/migration/main.rst ("Legacy way", "VMState"); QEMU commits 99029be1c287,
  59e759275690
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import StreamFunction, StructDef
from bot.model.memberwrites import member_write_re
from bot.rulekit.ctx import file_changes, file_model, models, source_text, tree
from bot.rulekit.machines import FileFunctions
from bot.rulekit.vmsd import added_scalar_members

RULE = RuleSpec(
    id="MIG073",
    name="stream-member-not-sent",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="a new member of a struct migrated by hand-written stream code is not sent",
    fix_hint=(
        "put and get the member in the struct's save and load functions behind a version "
        "bump, or move the struct to a VMStateDescription with a subsection for it"
    ),
    kinds=("struct",),
)

_MAX_MEMBERS = 32
_MAX_STREAMS = 16  # stream functions per struct looked at
_MAX_TEXT = 2_000_000  # characters of a changed file scanned (untrusted input)
_MIN_SENT = 3  # members sent one by one: the function migrates the struct member-wise
_STREAM_DIRS = re.compile(r"^(?:hw/|target/|target-[\w-]+/)")
# functions whose writes configure the object rather than change its state
_SETUP_FN = re.compile(r"(?:realize|init|initfn|_new|create|setup|class_init|probe)(?:_\w+)?$")


def _struct_names(sd: StructDef) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in (sd.name, *sd.aliases) if n))


def _stream_functions(
    ctx: RuleContext, names: tuple[str, ...]
) -> list[tuple[str, StreamFunction, tuple[str, ...]]]:
    """(path, function, pointer names of the struct's type) of the hand-written stream
    functions in hw/ and target dirs that hold a pointer to the struct (new side)."""
    sites: dict[tuple[str, str], None] = {}
    for path, model in models(ctx, "new"):
        for sf in model.streams:
            if any(t in names for _, t in sf.pointers):
                sites[(path, sf.name)] = None
    t = tree(ctx, "new")
    if t is not None:
        for name in names:
            for site in t.stream_functions_of(name):
                sites[site] = None
    out: list[tuple[str, StreamFunction, tuple[str, ...]]] = []
    for path, fn in list(sites)[: _MAX_STREAMS * 4]:
        if not _STREAM_DIRS.match(path):
            continue
        fm = file_model(ctx, path, "new")
        if fm is None:
            continue
        for sf in fm.streams:
            if sf.name == fn:
                ptrs = tuple(n for n, ty in sf.pointers if ty in names)
                if ptrs:
                    out.append((path, sf, ptrs))
                break
        if len(out) >= _MAX_STREAMS:
            break
    return out


def _sent_members(sf: StreamFunction, ptrs: tuple[str, ...]) -> set[str]:
    """Members of the struct a stream function puts or gets through its pointers."""
    alt = "|".join(re.escape(p) for p in ptrs)
    access = re.compile(rf"\b(?:{alt})\s*->\s*([A-Za-z_]\w*)")
    out: set[str] = set()
    for op in sf.ops:
        out.update(access.findall(op.arg))
    return out


def _mentions(ctx: RuleContext, path: str, sf: StreamFunction, member: str) -> bool:
    """Whether the function's new text (a file the change touches) names the member."""
    text = source_text(ctx, path, "new")
    if text is None:
        return False  # unchanged file: it cannot name a member the change adds
    lines = text.split("\n")[sf.line - 1 : sf.end_line]
    return re.search(rf"(?:->|\.)\s*{re.escape(member)}\b", "\n".join(lines)) is not None


def _writer(ctx: RuleContext, member: str) -> tuple[str, str] | None:
    """(path, function) of the change's new .c files (not realize/init code) assigning the
    member."""
    write = member_write_re(member, increments=True)
    for fc in file_changes(ctx):
        p = fc.new_path
        if p is None or fc.new is None or not p.endswith(".c"):
            continue
        text = cscan.strip_comments(fc.new.decode("utf-8", "replace")[:_MAX_TEXT])
        if member not in text:
            continue
        model = file_model(ctx, p, "new")
        if model is None:
            continue
        functions = FileFunctions(text, model)
        for fn in sorted(functions.names()):
            if _SETUP_FN.search(fn):
                continue
            if write.search(functions.text(fn)):
                return p, fn
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new, written struct member that member-wise stream code leaves out."""
    if not isinstance(change.new, StructDef):
        return
    members = added_scalar_members(change, ctx, _MAX_MEMBERS, bitfields=True)
    if not members:
        return
    names = _struct_names(change.new)
    streams = [
        (path, sf, ptrs)
        for path, sf, ptrs in _stream_functions(ctx, names)
        if len(_sent_members(sf, ptrs)) >= _MIN_SENT
    ]
    if not streams:
        return
    for m in members:
        if any(m.name in _sent_members(sf, ptrs) for _, sf, ptrs in streams):
            continue
        if any(_mentions(ctx, path, sf, m.name) for path, sf, _ in streams):
            continue
        found = _writer(ctx, m.name)
        if found is None:
            continue
        wpath, fn = found
        if wpath.startswith("hw/") and any(path == wpath for path, _, _ in streams):
            continue  # a device writing and migrating it in one file: MIG065's judgement
        where = ", ".join(sorted({f"{sf.name}() in {path}" for path, sf, _ in streams})[:3])
        yield Hit(
            message=(
                f"new member `{m.name}` of {names[0]} is written by {fn}() but the stream "
                f"code that migrates {names[0]} member by member ({where}) does not send it: "
                f"after migration the destination keeps its reset value"
            ),
            line=m.line,
            side="new",
            entity=f"{change.key}.unsent[{m.name}]",
            path=change.path,
        )
