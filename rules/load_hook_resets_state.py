"""MIG067 load-hook-resets-state: a virtio set_features callback resets migrated state

*What it flags*

A new statement in a virtio device's `set_features` callback, which `virtio_load()` runs on
the destination to apply the migrated feature bits, that sets a member the device migrates
to a constant: `memset(n->vlans, 0, ...)`, `s->mode = MODE_OFF;`. The member counts as
migrated when a vmsd of the file sends it, or an open-coded save function of the file puts
it.

Quiet: writes that compute the value from the features or other state (`n->mergeable_rx_bufs
= virtio_has_feature(...)`: derived, the same on both sides), resets of members no stream
carries, a reset that was already there (moved or re-indented), and post_load methods (vmsd
hooks or class-level ones), whose job is to set state after the load (MIG018 judges vmsd
hooks). A reset under a condition that tests a device property or a compat flag is a note:
old machine types can keep the old behaviour.

*Why it breaks migration*

The destination loads the migrated value and then runs the callback, which throws it away:
the guest's VLAN filter table, a mode it programmed, a queue it enabled are back at their
reset value after migration, with nothing in the stream or the vmsd showing it. Whether the
load happens before or after the callback depends on the order inside `virtio_load()`, which
has changed over time; a reset that is harmless with one order wipes the state with the next.

*Example*

0b1eaa8803e6 made `virtio_net_set_features()` clear or fill `n->vlans` depending on
`VIRTIO_NET_F_CTRL_VLAN`; once `virtio_load()` applied the features after the device state,
every migration lost the guest's VLAN filter (06b636a1e2ad removed the reset).

*Instead*

Reset guest-programmed state in the device's reset handler, not in a callback the load path
runs; if the callback must change it, do it only when the guest (not the load) changes the
features, or restore the loaded value in `post_load`.

*References*

- hw/virtio/virtio.c, `virtio_load()` and `virtio_set_features_nocheck()`
- 0b1eaa8803e6, fixed by 06b636a1e2ad
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from bot.diff.changes import EntityChange
from bot.diff.loadhooks import bound_load_hooks, function_text
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.conditions import enclosing_conditions
from bot.model.entities import FileModel
from bot.rulekit.ctx import file_model, func_span, source_text
from bot.rulekit.hooks import COMPAT_WORD, switch_members

RULE = RuleSpec(
    id="MIG067",
    name="load-hook-resets-state",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="patch",
    message="a callback the load path runs now resets state the device migrates",
    fix_hint=(
        "reset guest-programmed state in the device's reset handler; a callback that "
        "virtio_load() runs must keep the values it loaded"
    ),
    kinds=("load_hook",),
)

_LVALUE = r"&?\s*(\w+(?:\s*(?:->|\.)\s*\w+|\s*\[[^\]\n]{0,64}\]){1,8})"
_CONST = r"(-?\s*(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*|true|false|NULL|[A-Z][A-Z0-9_]*)"
_MEMSET = re.compile(rf"\bmemset\s*\(\s*{_LVALUE}\s*,\s*{_CONST}\s*,")
_ASSIGN = re.compile(rf"(?<![\w>.]){_LVALUE}\s*=(?!=)\s*{_CONST}\s*;")
_MEMBER = re.compile(r"(?:->|\.)\s*(\w+)")
_MAX_RESETS = 64


def _resets(body: str) -> list[tuple[str, tuple[str, ...], int]]:
    """(normalised statement, member path components, offset in body) of every constant
    store into a member in the body."""
    out: list[tuple[str, tuple[str, ...], int]] = []
    for pat in (_MEMSET, _ASSIGN):
        for m in pat.finditer(body):
            comps = tuple(_MEMBER.findall(m.group(1)))
            lv, const = cscan.norm(m.group(1)), cscan.norm(m.group(2))
            stmt = f"memset({lv}, {const}, ...)" if pat is _MEMSET else f"{lv} = {const}"
            if comps:
                out.append((stmt, comps, m.start(1)))
            if len(out) >= _MAX_RESETS:
                return out
    return out


def _migrated(model: FileModel) -> set[str]:
    """Member names the file's vmsds send (every component of their C paths) and those its
    open-coded save functions put."""
    out: set[str] = set()
    for v in model.vmsds:
        if v.unmigratable:
            continue
        for f in v.fields:
            if f.c_field and not f.is_unused:
                out.update(w for w in re.split(r"[^\w]+", f.c_field) if w)
    for s in model.streams:
        for o in s.ops:
            if o.op == "put":
                out.update(_MEMBER.findall(o.arg))
    return out


def _old_body(text: str, model: FileModel, role: str, fn: str) -> str:
    """The old side's callback for the role: the same function, else the one bound to it."""
    body = function_text(text, model, fn)
    if body is not None:
        return body
    for r, other in bound_load_hooks(text, model):
        if r == role:
            return function_text(text, model, other) or ""
    return ""


@dataclass(frozen=True, slots=True)
class Reset:
    """A new constant store into a migrated member found in a load-path callback."""

    line: int
    statement: str
    member: str
    gate: str | None  # the property / compat condition it runs under, if any


def judge(
    role: str, fn: str, old_text: str, old_model: FileModel, new_text: str, new_model: FileModel
) -> Reset | None:
    """The first store of a constant into a migrated member that the new side of the
    callback `fn` makes and the old side's callback for the role did not."""
    body = function_text(new_text, new_model, fn)
    start = body.find("{") if body is not None else -1
    if body is None or start < 0:
        return None
    migrated = _migrated(new_model) & _migrated(old_model)
    had = Counter(s for s, _, _ in _resets(_old_body(old_text, old_model, role, fn)))
    for stmt, comps, at in _resets(body):
        if had[stmt] > 0:
            had[stmt] -= 1
            continue
        member = next((c for c in comps if c in migrated), None)
        if member is None:
            continue
        conds = enclosing_conditions(body, start, at)
        gate = next((c for c in conds if COMPAT_WORD.search(c) or _tests_property(c, new_model)),
                    None)  # fmt: skip
        span = func_span(new_model, fn)
        line = (span[0] if span else 1) + body.count("\n", 0, at)
        return Reset(line, stmt, member, gate)
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """At most one hit per changed load-path callback: the first new reset of migrated state."""
    if change.kind != "load_hook" or ":" not in change.key:
        return
    role, fn = change.key.split(":", 1)
    new_text = source_text(ctx, change.path, "new")
    new_model = file_model(ctx, change.path, "new")
    old_path = change.old_path or change.path
    old_text = source_text(ctx, old_path, "old")
    old_model = file_model(ctx, old_path, "old")
    if new_text is None or new_model is None or old_text is None or old_model is None:
        return
    r = judge(role, fn, old_text, old_model, new_text, new_model)
    if r is None:
        return
    what = (
        f"{role} callback {fn}() now runs `{r.statement}`, resetting `{r.member}`, which the "
        "device migrates; virtio_load() runs this callback on the destination, so the loaded "
        "value can be thrown away"
    )
    if r.gate is not None:
        yield Hit(
            message=f"{what} (only when {r.gate}: check old machine types keep it off)",
            line=r.line,
            side="new",
            entity=f"{fn}:{r.member}",
            severity=Severity.NOTE,
        )
    else:
        yield Hit(message=what, line=r.line, side="new", entity=f"{fn}:{r.member}")


def _tests_property(cond: str, model: FileModel) -> bool:
    """The condition reads the C member behind a boolean property of the file."""
    return any(re.search(rf"(?:->|\.)\s*{re.escape(m)}\b", cond)
               for m in switch_members(model.properties))  # fmt: skip
