"""MIG064 timer-state-not-migrated: a new guest-clock timer writes migrated state, unmigrated

*What it flags*

A `QEMUTimer` member added to an existing device state struct, created on the virtual clock
(`timer_new_ms(QEMU_CLOCK_VIRTUAL, cb, s)`, `qemu_new_timer_ms(vm_clock, cb, s)`,
`timer_init_ns(&s->t, ...)`), whose callback writes state the device's vmsd migrates, while
that vmsd neither migrates the timer (`VMSTATE_TIMER_PTR`) nor mentions it in its
`post_load`/`pre_load`.

*Why it breaks migration*

A pending timer is part of the device's state: the callback is what completes the operation
it stands for (link auto-negotiation, a delayed interrupt). Migrated while the timer is
armed, the destination never runs the callback, so the migrated registers stay half-way
(the link stays down), and an older QEMU without the timer does the same from the other
side. Either the timer travels with the device (in a subsection, for a new field), or the
new behaviour is off for old machine types through a compat property, or `post_load`
re-arms it from the migrated registers.

*Example*

```c
+    QEMUTimer *autoneg_timer;
 ...
+    d->autoneg_timer = qemu_new_timer_ms(vm_clock, e1000_autoneg_timer, d);
 ...
+static void e1000_autoneg_timer(void *opaque)
+{
+    s->phy_reg[PHY_STATUS] |= MII_SR_AUTONEG_COMPLETE;   /* migrated by vmstate_e1000 */
```

*Instead*

Migrate the timer in a subsection (`VMSTATE_TIMER_PTR(autoneg_timer, E1000State)`) whose
`.needed` is `timer_pending(...)`, or re-arm it in `post_load` from the migrated state, and
keep the behaviour off for old machine types with a compat property.

*References*

- docs/devel/migration/main.rst ("VMState"; timers are state like any other)
- b9d03e352cb6 (e1000 link auto-negotiation timer not migrated: guests migrated during
  negotiation keep the link down), fixed by 2af234e61d59 (a compat property turns the
  auto-negotiation off for 1.3 and older)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import FileModel, StructDef, Vmsd
from bot.rulekit.ctx import file_model
from bot.rulekit.machines import FileFunctions
from bot.rulekit.vmsd import added_members, migrated_members

RULE = RuleSpec(
    id="MIG064",
    name="timer-state-not-migrated",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="a new guest-clock timer writes migrated state, unmigrated",
    fix_hint=(
        "migrate the timer in a subsection needed while it is pending, or re-arm it in "
        "post_load, and keep the new behaviour off for old machine types"
    ),
    kinds=("struct",),
)

_TIMER_TYPES = frozenset({"QEMUTimer", "struct QEMUTimer"})
_VIRTUAL = re.compile(r"\b(?:QEMU_CLOCK_VIRTUAL|vm_clock)\b")
_MAX_BODY = 20000  # characters of a callback scanned (untrusted input)
_MAX_ARGS = 1000  # characters of a timer_new()/timer_init() argument list (real ones: < 100)
_MAX_CREATIONS = 32  # creations read per timer member


def _new_timers(change: EntityChange, ctx: RuleContext) -> list[str]:
    """QEMUTimer members the change adds to a struct that existed before."""
    return [m.name for m in added_members(change, ctx) if m.type in _TIMER_TYPES]


def _creations(text: str, member: str) -> list[str]:
    """Callbacks of virtual-clock timers created into `member` in `text`."""
    m_ = re.escape(member)
    out: list[str] = []
    # bounded repeats: from every match start the scan stops after _MAX_ARGS characters, so a
    # hostile file of creations without `;` costs linear time, not quadratic
    tail = rf"([^;]{{0,{_MAX_ARGS}}})\)\s*;"
    assign = re.compile(rf"(?:->|\.)\s*{m_}(?:\s*\[[^\]]{{0,64}}\])?\s*=\s*"
                        rf"(?:qemu_new_timer|timer_new)\w*\s*\({tail}")  # fmt: skip
    init = re.compile(rf"\btimer_init\w*\s*\(\s*&\s*\w+\s*(?:->|\.)\s*{m_}\b{tail}")
    for pat in (assign, init):
        for m in pat.finditer(text):
            if len(out) >= _MAX_CREATIONS:
                return out
            args = [a.strip() for a in m.group(1).split(",")]
            if len(args) >= 2 and _VIRTUAL.search(m.group(1)):
                out.append(args[-2])
    return out


_WRITE = re.compile(r"(?:->|\.)\s*(\w+)\s*(?:\[[^\]]{0,64}\]\s*)*(?:[|&^+\-*/]|<<|>>)?=(?!=)")


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new virtual-clock timer whose callback writes migrated state that the
    device's vmsd does not carry the timer for."""
    timers = _new_timers(change, ctx)
    if not timers:
        return
    assert isinstance(change.new, StructDef)
    names = {change.new.name, *change.new.aliases}
    for fc in ctx.series.folded:
        if fc.new is None or fc.new_path is None or not fc.new_path.endswith(".c"):
            continue
        model = file_model(ctx, fc.new_path, "new")
        if model is None:
            continue
        text = cscan.strip_comments(fc.new.decode("utf-8", "replace"))
        functions = FileFunctions(text, model)
        for member in timers:
            for cb in _creations(text, member):
                yield from _judge(fc.new_path, functions, model, names, member, cb)


def _judge(
    path: str,
    functions: FileFunctions,
    model: FileModel,
    names: set[str],
    member: str,
    cb: str,
) -> Iterator[Hit]:
    body = functions.text(cb)[:_MAX_BODY]
    if not body:
        return
    written = {m.group(1) for m in _WRITE.finditer(body.split("{", 1)[-1])}
    for v in model.vmsds:
        if not any(f.struct in names for f in v.fields):
            continue
        hit = sorted(written & migrated_members(v))
        if not hit or member in migrated_members(v) or _subsection_carries(model, v, member):
            continue
        if any(re.search(rf"\b{re.escape(member)}\b", functions.text(fn)[:_MAX_BODY])
               for _, fn in v.hooks):  # fmt: skip
            continue  # post_load / pre_load handles it
        yield Hit(
            message=(
                f"new timer `{member}` ({cb}() on the guest clock) writes "
                f"{', '.join(hit[:3])}, which {v.c_name} migrates, but {v.c_name} neither "
                f"migrates the timer nor re-arms it in post_load: migrated while it is "
                f"pending, the destination never completes what {cb}() does"
            ),
            line=v.line,
            side="new",
            entity=f"{v.c_name}.timer[{member}]",
            path=path,
        )
        return


def _subsection_carries(model: FileModel, v: Vmsd, member: str) -> bool:
    for sub in v.subsections:
        s = model.vmsd(sub)
        if s is not None and member in migrated_members(s):
            return True
    return False
