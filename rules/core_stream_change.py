"""MIG066 core-stream-change: the migration core's own stream changes without a gate.

*What it flags*

In the code that writes the migration stream itself rather than a device's section —
`migration/` (the RAM, block, savevm and snapshot code; not the `qemu-file` primitives),
and the older top-level `savevm.c`, `arch_init.c`, `migration.c`, `block-migration.c` and
`slirp/` — a function whose open-coded `qemu_put_*`/`qemu_get_*` sequence the series changes
so that old and new QEMU disagree on the bytes, with nothing that tells them apart:

- a new `qemu_put_*` whose enclosing conditions test no migration capability, parameter,
  compat flag or version (`migrate_*()`, `s->send_*`/`skip_*`, `savevm_state.*`,
  `version_id`);
- a new `qemu_get_*` outside any condition (a load that reads it on every stream);
- an unconditional `qemu_put_*`/`qemu_get_*` removed, unless the same operation moves into
  another stream function of the file;
- an existing `qemu_put_*` that now runs only under a new condition that is not such a
  gate (the bytes silently stop being sent in some cases).

*Why it breaks migration*

These functions define the format every QEMU reads: the RAM page encoding, the section
headers and footers, the configuration section. A destination of another version parses the
stream with its own expectations, and a byte added, dropped or skipped shifts everything
after it — or, as in f1c72795af57 (zero pages no longer sent in the bulk stage), leaves
destination memory that was never written. Capabilities (negotiated on both sides) and
compat properties of the migration object (`send-section-footer`, `send-configuration`,
`store-global-state`, set per machine type) are how QEMU changes this format safely.

*Example*

```c
             if (is_zero_page(p)) {
-                qemu_put_byte(f, 0);
+                if (!ram_bulk_stage) {
+                    qemu_put_byte(f, 0);
+                }
```

*Instead*

Gate the new format on a migration capability (both sides must enable it) or on a property
of the migration object that a compat entry turns off for older machine types, and keep
the old encoding otherwise.

*References*

- docs/devel/migration/main.rst ("Stream structure", "Backwards compatibility")
- QEMU commits f1c72795af57 (reverted by 9ef051e5536b), 37fb569c0198 (section footers)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel, StreamFunction, StreamOp

RULE = RuleSpec(
    id="MIG066",
    name="core-stream-change",
    severity=Severity.WARNING,
    category=Category.PROTOCOL_CHANGE,
    confidence="medium",
    scope="patch",
    message="the migration core's stream format changes without a capability or compat gate",
    fix_hint=(
        "gate the new encoding on a migration capability or on a migration-object property "
        "that a compat entry turns off for older machine types"
    ),
    kinds=("stream",),
)

_CORE = re.compile(
    r"^(?:migration/(?!qemu-file)[\w/-]+\.c|savevm\.c|arch_init\.c|migration\.c|"
    r"block-migration\.c|slirp/[\w/-]+\.c)$"
)
# What tells old and new streams apart: a capability or parameter, a compat flag of the
# migration object or savevm state, a version number.
_GATE = re.compile(
    r"\bmigrat\w*_\w+\s*\(|capabilit|->\s*(?:send|skip|store)_\w+|\.\s*(?:send|skip|store)_\w+|"
    r"savevm_state\s*\.|\bversion(?:_id)?\b|compat"
)
_MAX_OPS = 400


# Calls that put or get the same bytes as the plain buffer call
_SAME_BYTES = {"buffer_in_place": "buffer", "buffer_async": "buffer"}


# qemu_put_*/qemu_get_* names that move bytes of a QEMUFile (qemu_get_clock_ns, qemu_get_cpu
# ... share the prefix but are not stream operations); the extractor folds `be32s` into `be32`
_STREAM_WIDTHS = frozenset(
    "byte sbyte be16 be32 be64 sbe16 sbe32 sbe64 buffer buffer_in_place buffer_async "
    "counted_string".split()
)


def _key(o: StreamOp) -> tuple[str, str]:
    """What reaches the wire: the operation and its width (the expression put may be
    renamed or computed another way without changing the bytes' place in the stream)."""
    if o.op.endswith("_state"):
        return (o.op, "")  # the nested vmsd is often a variable (`vmsd`, `sub`)
    return (o.op, _SAME_BYTES.get(o.width, o.width))


def _exact(o: StreamOp) -> tuple[str, str, str]:
    return (*_key(o), o.arg)


def _on_wire(o: StreamOp) -> bool:
    return o.op.endswith("_state") or o.width in _STREAM_WIDTHS


def _gated(conds: tuple[str, ...]) -> bool:
    return any(_GATE.search(c) for c in conds)


def _moved(model: FileModel | None, name: str, o: StreamOp) -> bool:
    """The same operation appears in another stream function of the file's new side."""
    if model is None:
        return False
    return any(s.name != name and any(_key(x) == _key(o) for x in s.ops) for s in model.streams)


def _render(o: StreamOp) -> str:
    return f"qemu_{o.op}_{o.width}({o.arg})" if o.op in ("put", "get") else f"{o.op}({o.width})"


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """At most one hit per changed core stream function: the first ungated difference."""
    if change.op != "modified" or not _CORE.match(change.path):
        return
    old, new = change.old, change.new
    if not isinstance(old, StreamFunction) or not isinstance(new, StreamFunction):
        return
    if new.name.startswith(("qemu_put_", "qemu_get_")):
        return  # a stream primitive, not a format
    old_ops = tuple(o for o in old.ops[:_MAX_OPS] if _on_wire(o))
    new_ops = tuple(o for o in new.ops[:_MAX_OPS] if _on_wire(o))
    old_c = [o.conditions for o in old_ops]
    new_c = [o.conditions for o in new_ops]
    sm = difflib.SequenceMatcher(
        a=[_exact(o) for o in old_ops], b=[_exact(o) for o in new_ops], autojunk=False
    )
    opcodes: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "replace" and [_key(o) for o in old_ops[i1:i2]] == [
            _key(o) for o in new_ops[j1:j2]
        ]:
            tag = "equal"  # the same operations with their expressions renamed
        opcodes.append((tag, i1, i2, j1, j2))
    hit = _first(opcodes, old_ops, new_ops, old_c, new_c, ctx.new_model, new.name)
    if hit is None:
        return
    side, line, text = hit
    yield Hit(
        message=f"{new.name}() {text}: QEMU of another version reads this stream differently",
        line=line,
        side=side,
        entity=f"{new.name}:stream",
    )


def _first(
    opcodes: list[tuple[str, int, int, int, int]],
    old_ops: tuple[StreamOp, ...],
    new_ops: tuple[StreamOp, ...],
    old_c: list[tuple[str, ...]],
    new_c: list[tuple[str, ...]],
    new_model: FileModel | None,
    name: str,
) -> tuple[str, int, str] | None:
    """(side, line, what) of the first difference nothing gates."""
    # state now saved through a VMStateDescription (vmstate_save_state/load_state): the
    # rules on vmsds judge it, and ops it replaces are not lost from the stream
    to_vmsd = any(new_ops[j].op.endswith("_state") for t, _, _, j1, j2 in opcodes
                  if t != "equal" for j in range(j1, j2))  # fmt: skip
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for k in range(i2 - i1):
                n = new_ops[j1 + k]
                added = [c for c in new_c[j1 + k] if c not in old_c[i1 + k]]
                if (
                    n.op == "put"
                    and added
                    and not _gated(tuple(added))
                    and not _gated(new_c[j1 + k])
                ):
                    return (
                        "new",
                        n.line,
                        (
                            f"now sends {_render(n)} only when {added[-1]}, which is no "
                            "capability, compat flag or version"
                        ),
                    )
            continue
        for j in range(j1, j2):
            n = new_ops[j]
            if n.op == "put" and not _gated(new_c[j]):
                what = f"sends a new {_render(n)} that no capability or compat flag gates"
                return "new", n.line, what
            if n.op == "get" and not new_c[j]:
                return "new", n.line, f"reads a new {_render(n)} from every stream"
        for i in range(i1, i2):
            o = old_ops[i]
            if to_vmsd or _moved(new_model, name, o):
                continue
            if o.op in ("put", "get") and not old_c[i]:
                verb = "sends" if o.op == "put" else "reads"
                what = f"no longer {verb} {_render(o)}, which it {verb} on every stream"
                return "old", o.line, what
    return None
