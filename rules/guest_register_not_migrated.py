"""MIG065 guest-register-not-migrated: a new guest-written register the device's vmsd omits

*What it flags*

A scalar member (or array of scalars) added to the state struct of a device that already
migrates through a vmsd, written by the device's guest access handler (a MemoryRegionOps
`.write`, a PCI device's `config_write`, an old-style `(void *opaque, hwaddr addr,
uint32_t val)` MMIO/PIO write function) and read back elsewhere in the file, while no vmsd
of the file migrates it (fields or subsections), it is not a property, and none of the
vmsd's hooks (`pre_save`, `post_load`, ...) mentions it. A device that migrates through
open-coded save/load functions instead (`save_config`/`load_config`, `register_savevm`
handlers: functions with `qemu_put_*`/`qemu_get_*` calls that already existed and handle
the struct) is judged the same way: the member must appear in one of them.

*Why it breaks migration*

A register the guest can write and read back is device state. Migrated without it, the
destination starts with the reset value: the guest reads back something it never wrote, and
whatever the register controls (an interrupt latch, a timing mode, a reset type) silently
changes under it. An older QEMU that lacks the register cannot take it either, so the fix is
a subsection (sent only when the register differs from its reset value) plus, where the
register changes guest-visible behaviour, a compat property for old machine types.

*Example*

```c
 typedef struct PIIX4State {
     PCIDevice dev;
+    uint8_t rcr;                      /* Reset Control Register */
 } PIIX4State;
+static void piix4_rcr_write(void *opaque, hwaddr addr, uint64_t val, unsigned len)
+{
+    s->rcr = val & 2;
+}
```

while `vmstate_piix4` still migrates only `dev`.

*Instead*

Migrate the register in a new subsection of the device's vmsd whose `.needed` is true when
it differs from its reset value (`return s->rcr != 0;`), or recompute it in `post_load`
when it is derived from migrated state.

*References*

- docs/devel/migration/main.rst ("Subsections"; state a guest can observe must be migrated)
- 5790b757cfbe (piix4 Reset Control Register, fixed by 0b5b1b8ee0d5 which migrates it in
  a subsection), 4f7265ff177d (macio IDE timing and interrupt registers)
- dfb8e184db75 (virtio 1.0 common-config registers `dfselect`, `gfselect`, `guest_features`
  of virtio-pci, whose state went through `virtio_pci_save_config()`; fixed by
  a6df8adf3edb, which migrates them in a subsection)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import FileModel, StructDef, StructMember, Vmsd
from bot.rulekit.ctx import file_model
from bot.rulekit.guestwrites import configured_members, guest_write_handlers, read_back_writer
from bot.rulekit.machines import FileFunctions
from bot.rulekit.vmsd import added_scalar_members, migrated_members

RULE = RuleSpec(
    id="MIG065",
    name="guest-register-not-migrated",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="a new guest-written register is missing from the device's vmsd",
    fix_hint=(
        "migrate the register in a subsection of the device's vmsd, needed when it differs "
        "from its reset value, or recompute it in post_load"
    ),
    kinds=("struct",),
)

_MAX_BODY = 20000  # characters of a handler body scanned (untrusted input)
_MAX_MEMBERS = 32  # new members judged per struct


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new guest-written, read-back register of a migrated device that no vmsd
    of the handler's file carries."""
    members = added_scalar_members(change, ctx, _MAX_MEMBERS)
    if not members:
        return
    assert isinstance(change.new, StructDef)
    names = {change.new.name, *change.new.aliases}
    for fc in ctx.series.folded:
        if fc.new is None or fc.new_path is None or not fc.new_path.endswith(".c"):
            continue
        if fc.old is None or fc.old_path is None:
            continue  # a new file: nothing old QEMU runs
        model = file_model(ctx, fc.new_path, "new")
        old_model = file_model(ctx, fc.old_path, "old")
        if model is None or old_model is None:
            continue
        vmsds = [v for v in model.vmsds
                 if any(f.struct in names for f in v.fields) and not v.unmigratable
                 and old_model.vmsd(v.c_name) is not None]  # fmt: skip
        if not vmsds and not model.streams:
            continue  # the device migrates neither through a vmsd nor open-coded here
        text = cscan.strip_comments(fc.new.decode("utf-8", "replace"))
        functions = FileFunctions(text, model)
        if vmsds:
            yield from _judge(fc.new_path, text, functions, model, vmsds, members)
        else:
            yield from _judge_streams(
                fc.new_path, text, functions, model, old_model, names, members
            )


def _judge_streams(
    path: str,
    text: str,
    functions: FileFunctions,
    model: FileModel,
    old_model: FileModel,
    names: set[str],
    members: list[StructMember],
) -> Iterator[Hit]:
    """The device migrates through open-coded save/load functions (`save_config`,
    `register_savevm` handlers) that already existed and handle the struct: a member none
    of them mentions is not on the wire."""
    old_streams = {s.name for s in old_model.streams}
    kind = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    streams = [
        s
        for s in model.streams
        if s.name in old_streams and kind.search(functions.text(s.name)[:_MAX_BODY])
    ]
    if not streams:
        return
    body = "\n".join(functions.text(s.name)[:_MAX_BODY] for s in streams)
    carried = configured_members(model)
    handlers = guest_write_handlers(text, functions)
    for m in members:
        if m.name in carried or re.search(rf"(?:->|\.)\s*{re.escape(m.name)}\b", body):
            continue
        writer = read_back_writer(m, text, functions, handlers)
        if writer is None:
            continue
        s = streams[0]
        yield Hit(
            message=(
                f"new register `{m.name}` is written by the guest through {writer}() and read "
                f"back, but the device's open-coded save/load ({s.name}() and the others that "
                f"handle it) does not put it on the wire: after migration the guest finds its "
                f"reset value"
            ),
            line=s.line,
            side="new",
            entity=f"{s.name}.unmigrated[{m.name}]",
            path=path,
        )


def _judge(
    path: str,
    text: str,
    functions: FileFunctions,
    model: FileModel,
    vmsds: list[Vmsd],
    members: list[StructMember],
) -> Iterator[Hit]:
    carried: set[str] = set()
    for v in model.vmsds:
        carried |= migrated_members(v)
    carried |= configured_members(model)
    hooks = "\n".join(functions.text(fn)[:_MAX_BODY] for v in vmsds for _, fn in v.hooks)
    handlers = guest_write_handlers(text, functions)
    for m in members:
        if m.name in carried or re.search(rf"\b{re.escape(m.name)}\b", hooks):
            continue
        writer = read_back_writer(m, text, functions, handlers)
        if writer is None:
            continue
        v = vmsds[0]
        yield Hit(
            message=(
                f"new register `{m.name}` is written by the guest through {writer}() and read "
                f"back, but {v.c_name} does not migrate it: after migration the guest finds its "
                f"reset value"
            ),
            line=v.line,
            side="new",
            entity=f"{v.c_name}.unmigrated[{m.name}]",
            path=path,
        )
