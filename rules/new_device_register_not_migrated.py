"""MIG075 new-device-register-not-migrated: a new device's vmsd omits a guest-written register

*What it flags*

A device model added by the series (a new `.c` file with a new vmsd) whose state struct has
a scalar member the guest writes through the device's access handler (a MemoryRegionOps
`.write`, a PCI `config_write`, an old-style `(void *opaque, hwaddr addr, uint32_t val)`
write function) with a value read from the guest's write (a `full_update = 1` flag is not
a register) and that is read back elsewhere in the file, while no vmsd of the file
migrates that member of that struct, it is not a property, and no vmsd hook (`pre_save`,
`post_load`, `.needed`, ...) mentions it. A write counts only when its receiver is declared
with the state struct's type, or when no other struct of the file migrates a member of that
name: `gtb->control` (a migrated per-CPU bank) is not `s->control` (the global register).

*Why it breaks migration*

The first release that ships the device fixes its wire format. A register left out is lost
on every migration and snapshot: the destination starts with its reset value (a timer
disabled, an interrupt mask cleared) while the guest believes what it wrote. Adding it later
needs a subsection and a compat story; adding it now costs one line.

*Example*

```c
+static void a9_gtimer_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
+{
+    A9GTimerState *s = gtb->parent;
+    s->control = value & ~R_CONTROL_BANKED;
+}
+static const VMStateDescription vmstate_a9_gtimer = {
+    .fields = (VMStateField[]) {
+        VMSTATE_UINT64(counter, A9GTimerState),   /* no `control` */
```

*Instead*

Add the register to the new vmsd's fields before the device is released, or recompute it in
`post_load` when it is derived from migrated state.

*References*

- docs/devel/migration/main.rst (state a guest can observe must be migrated)
- c21c3b53e122 (ARM A9 global timer: the global control register was not migrated; fixed
  by 432732b5e455, "hw/timer: fix a9gtimer vmstate")
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import FileModel, StructMember, Vmsd
from bot.model.layout import type_key
from bot.model.memberwrites import member_write_re
from bot.rulekit.ctx import file_changes, file_model, source_text
from bot.rulekit.drafts import struct_def
from bot.rulekit.guestwrites import configured_members, guest_write_handlers, read_back_writer
from bot.rulekit.machines import FileFunctions
from bot.rulekit.vmsd import SCALAR_TYPE, top_member

RULE = RuleSpec(
    id="MIG075",
    name="new-device-register-not-migrated",
    # a note: on 40 fresh new-device commits it found 3 registers that QEMU never migrated
    # since (imx-serial ucr2 still not on master): real gaps, but ones nobody fixed, so not
    # worth a warning on a brand-new device's first submission
    severity=Severity.NOTE,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="a new device's vmsd leaves out a register the guest writes and reads back",
    fix_hint=(
        "add the register to the new vmsd's fields before the device is released, or "
        "recompute it in post_load if it is derived from migrated state"
    ),
    kinds=("vmsd",),
    # the register is lost on every migration of the same binary, on every board
    any_reach=True,
)

_MAX_MEMBERS = 64  # members judged per state struct
_MAX_BODY = 20000  # characters of a handler body scanned (untrusted input)
_MAX_NAMED = 4  # registers named in one finding
_MAX_WRITES = 16  # writes of one member read per handler


def _is_new_file(ctx: RuleContext, path: str) -> bool:
    return any(fc.new_path == path and fc.old is None for fc in file_changes(ctx))


def _carried(model: FileModel) -> dict[str, set[str]]:
    """struct -> the top-level members the file's vmsds send of it."""
    by_struct: dict[str, set[str]] = {}
    for v in model.vmsds:
        for f in v.fields:
            if f.c_field and f.struct:
                by_struct.setdefault(type_key(f.struct), set()).add(top_member(f.c_field))
    return by_struct


def _value_names(handler_text: str) -> set[str]:
    """The handler's guest value parameter (the third: `val` of `(opaque, addr, val, size)`)
    and the locals assigned from it (`uint32_t v = val & 0xff;`)."""
    head = handler_text.split("{", 1)[0]
    params = cscan.split_args(head[head.find("(") + 1 : head.rfind(")")])
    if len(params) < 3:
        return set()
    m = re.search(r"(\w+)\s*$", params[2])
    if m is None:
        return set()
    names = {m.group(1)}
    body = handler_text[len(head) :]
    assigns = re.finditer(r"\b(\w+)\s*=(?!=)\s*([^;{}]{1,200});", body[:_MAX_BODY])
    for a in islice(assigns, _MAX_WRITES * 4):
        if any(re.search(rf"\b{re.escape(n)}\b", a.group(2)) for n in names):
            names.add(a.group(1))
    return names


def _guest_value_write(
    m: StructMember, handler_text: str, own: frozenset[str], elsewhere: bool
) -> bool:
    """Whether the handler stores a guest value in `m` of the state struct: the stored value
    reads the handler's value parameter (a `full_update = 1` flag is not a register), and the
    receiver is declared with the state struct's type, or its type is unknown and no other
    struct of the file migrates a member of that name."""
    values = _value_names(handler_text)
    write = member_write_re(m.name)
    for w in islice(write.finditer(handler_text), _MAX_WRITES):
        rhs = handler_text[w.end() : w.end() + 200].split(";", 1)[0]
        if not any(re.search(rf"\b{re.escape(n)}\b", rhs) for n in values):
            continue
        recv = re.search(r"(\w+)\s*(?:\[[^\]]{0,64}\]\s*)?(?:->|\.)\s*$",
                         handler_text[max(0, w.start() - 80) : w.start() + 2])  # fmt: skip
        if recv is None:
            continue
        var = recv.group(1)
        decl = re.search(rf"\b(\w+)\s*\*\s*{re.escape(var)}\s*[=;,)]", handler_text)
        if decl is not None and decl.group(1) not in ("void", "const"):
            if decl.group(1) in own:
                return True
            continue
        if not elsewhere:
            return True
    return False


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new device vmsd that leaves guest-written, read-back registers of its
    state struct off the wire."""
    v = change.new
    if change.op != "added" or not isinstance(v, Vmsd) or v.unmigratable:
        return
    if not change.path.endswith(".c") or not _is_new_file(ctx, change.path):
        return
    model = file_model(ctx, change.path, "new")
    text = source_text(ctx, change.path, "new")
    if model is None or text is None:
        return
    structs = {type_key(f.struct) for f in v.fields if f.struct and f.info != "end"}
    if len(structs) != 1:
        return  # the device's own state vmsd names one struct
    found = struct_def(ctx, next(iter(structs)))
    if found is None:
        return
    sd = found[1]
    own = frozenset({sd.name, *sd.aliases})
    by_struct = _carried(model)
    carried = set().union(*(by_struct.get(n, set()) for n in own))
    elsewhere = {m for s, ms in by_struct.items() if s not in own for m in ms}
    carried |= configured_members(model)
    functions = FileFunctions(text, model)
    hooks = "\n".join(
        functions.text(fn)[:_MAX_BODY] for vv in model.vmsds for _, fn in vv.hooks
    )
    handlers = guest_write_handlers(text, functions)
    if not handlers:
        return
    missing: list[tuple[str, str]] = []
    for m in sd.members[:_MAX_MEMBERS]:
        if m.pointer or m.members or m.bits is not None:
            continue
        if not SCALAR_TYPE.fullmatch(cscan.norm(m.type)):
            continue
        if m.name in carried or re.search(rf"\b{re.escape(m.name)}\b", hooks):
            continue
        if read_back_writer(m, text, functions, handlers) is None:
            continue
        writer = next((h for h in handlers if _guest_value_write(
            m, functions.text(h)[:_MAX_BODY], own, m.name in elsewhere)), None)  # fmt: skip
        if writer is not None:
            missing.append((m.name, writer))
    if not missing:
        return
    named = ", ".join(f"`{n}` (written by {w}())" for n, w in missing[:_MAX_NAMED])
    more = f" and {len(missing) - _MAX_NAMED} more" if len(missing) > _MAX_NAMED else ""
    yield Hit(
        message=(
            f"new device vmsd {v.c_name} leaves out {sd.name} register(s) {named}{more}: the "
            f"guest writes and reads them back, so after migration or a snapshot it finds "
            f"their reset values"
        ),
        line=v.line,
        side="new",
        entity=f"{v.c_name}.unmigrated",
        path=change.path,
    )
