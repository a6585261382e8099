"""MIG043 stream-sequence-change: an open-coded save/load sequence changes without a version gate.

*What it flags*

In device code (hw/, target/), a function that writes or reads the migration stream by hand
(`qemu_put_*`/`qemu_get_*`: legacy save/load handlers, `VMStateInfo` .get/.put callbacks,
`save_config`/`load_config` hooks) whose sequence of operations — order and width — the
series changes:

- error: the load side reads a new item only after a conditional `return`, while the save
  side writes it unconditionally (the two sides disagree on the stream even between equal
  binaries);
- warning: the sequence changes and neither the function nor its save/load partner looks at
  a version number (`version_id`), so nothing tells old and new streams apart;
- warning: a load function that checks `version_id` for other items now reads a new item
  outside any condition (and not after an early return), so streams of the older version
  are read out of step.

*Why it breaks migration*

An open-coded stream carries no field names or sizes: the destination reads exactly what its
own code expects. A put added on one side shifts everything after it, so migration to and
from older QEMU reads the section out of step ("Missing section footer", garbage in later
fields), on every machine type. A read skipped by an early return leaves the bytes the save
side wrote in the stream, and the next section is parsed from them.

*Example*

213941d73baf added `qemu_put_be32(f, dev->revision)` at the end of
`virtio_ccw_save_config()` and `dev->revision = qemu_get_be32(f)` at the end of
`virtio_ccw_load_config()` — after the `if (s->thinint_active) return ...;` early exit, so
devices with thin interrupts never read it. 2af9170c8c ("s390/virtio-ccw: Fix migration")
reads the revision before that early return.

*Instead*

Prefer a VMStateDescription with a subsection for new state. In open-coded code, read every
item on every path the save side writes it (no early return before the end), and gate new
items with the section's version (`version_id >= N`) or a compat property.

*References*

- docs/devel/migration/main.rst "Legacy way", "Subsections"
- QEMU commits 213941d73baf, 2af9170c8c
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
    id="MIG043",
    name="stream-sequence-change",
    severity=Severity.WARNING,
    category=Category.PROTOCOL_CHANGE,
    confidence="medium",
    scope="patch",
    message="an open-coded save/load stream changes without a version gate",
    fix_hint="gate new items with the section version or move them to a VMState subsection",
    kinds=("stream",),
)

_DEVICE_CODE = re.compile(r"^(?:hw|target|target-[\w-]+)/")
_PAIRS = (("save", "load"), ("put", "get"), ("write", "read"), ("pre_save", "post_load"))


def partner_names(name: str) -> tuple[str, ...]:
    """Names the save (load) counterpart of function `name` may have."""
    out: list[str] = []
    for a, b in _PAIRS:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"(?:^|_){x}(?:_|$)", name):
                out.append(re.sub(rf"(^|_){x}(_|$)", rf"\g<1>{y}\g<2>", name))
    return tuple(dict.fromkeys(out))


def _partner(model: FileModel | None, fn: StreamFunction) -> StreamFunction | None:
    if model is None:
        return None
    names = partner_names(fn.name)
    for s in model.streams:
        if s.name in names:
            return s
    return None


def _key(o: StreamOp) -> tuple[str, str, str]:
    return (o.op, o.width, o.arg)


def _added(old: StreamFunction, new: StreamFunction) -> list[StreamOp]:
    sm = difflib.SequenceMatcher(a=[_key(o) for o in old.ops], b=[_key(o) for o in new.ops])
    out: list[StreamOp] = []
    for tag, _i1, _i2, j1, j2 in sm.get_opcodes():
        if tag in ("insert", "replace"):
            out.extend(new.ops[j1:j2])
    return out


def _shape(fn: StreamFunction) -> list[tuple[str, str]]:
    return [(o.op, o.width) for o in fn.ops]


def _early_reads(
    added: list[StreamOp], save: StreamFunction
) -> Iterator[tuple[StreamOp, StreamOp]]:
    """(get, put): added reads behind an early return whose put always runs."""
    for g in added:
        if g.op != "get" or not g.after_return:
            continue
        for p in save.ops:
            if p.op == "put" and p.width == g.width and p.depth == 0 and not p.after_return:
                if p.arg and g.arg and p.arg != g.arg:
                    continue
                yield g, p
                break


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit for a changed open-coded stream: asymmetric early return, or no gate."""
    if change.op != "modified" or not _DEVICE_CODE.match(change.path):
        return
    old, new = change.old, change.new
    if not isinstance(old, StreamFunction) or not isinstance(new, StreamFunction):
        return
    if _shape(old) == _shape(new):
        return
    partner = _partner(ctx.new_model, new)
    partner_old = _partner(ctx.old_model, old)
    added = _added(old, new)
    if partner is not None:
        for g, _p in _early_reads(added, partner):
            yield Hit(
                message=(
                    f"{new.name}() reads {g.arg or 'a ' + g.width} (qemu_get_{g.width}) only "
                    f"after a conditional return, but {partner.name}() always writes it: "
                    "whenever the early return is taken the item stays in the stream and "
                    "everything after it is read out of step"
                ),
                line=g.line,
                side="new",
                entity=f"{new.name}:{g.width}:{g.arg}",
                severity=Severity.ERROR,
                confidence="high",
            )
            return
        if partner_old is not None and any(_early_reads(_added(partner_old, partner), new)):
            return  # the load side reports the asymmetry
    if new.versioned:
        # version checks elsewhere in the load function do not cover an item it now reads
        # on every path: a stream of the older version lacks it
        bare = [o for o in added if o.op == "get" and o.depth == 0 and not o.after_return]
        if bare:
            g = bare[0]
            yield Hit(
                message=(
                    f"{new.name}() now reads {g.arg or 'a ' + g.width} (qemu_get_{g.width}) "
                    "outside any condition, although it checks version_id for other items: "
                    "a stream of the older version lacks it, so everything after it is read "
                    "out of step"
                ),
                line=g.line,
                side="new",
                entity=f"{new.name}:{g.width}:{g.arg}",
            )
        return
    if partner is not None and partner.versioned:
        return
    # One finding per pair: the save side speaks for both when both changed.
    if partner is not None and all(o.op == "get" for o in new.ops):
        if partner_old is not None and _shape(partner_old) != _shape(partner):
            return
    what = ", ".join(f"qemu_{o.op}_{o.width}({o.arg})" for o in added[:3]) or "operations"
    more = f" and {len(added) - 3} more" if len(added) > 3 else ""
    yield Hit(
        message=(
            f"the open-coded stream of {new.name}() changes ({what}{more} added or moved) "
            "and nothing checks a version: old and new QEMU disagree on the bytes of this "
            "section in both directions"
        ),
        line=(added[0].line if added else new.line),
        side="new",
        entity=f"{new.name}",
    )
