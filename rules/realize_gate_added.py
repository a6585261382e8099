"""MIG051 realize-gate-added: an existing device's realize or plug code rejects a new case.

*What it flags*

A new conditional error path — `if (cond) { error_setg(errp, "..."); return; }`, or an
`error_report()` followed by `return`/`exit()` — in a realize, pre-plug, plug or
device-plugged function of an existing device or machine (in hw/, also the older qdev
`init` callbacks and board init functions: `pci_foo_init`, `foo_initfn`, `pc_init1`),
when neither its message nor its condition was checked anywhere in the changed files
before, and the series adds no compat entry (and no new property that the condition tests).
Error propagation (`if (local_err)`, `if (ret < 0)`, a NULL or negative result of the call
assigned just before: `p = foo_new(id); if (!p) {...}`) and checks in new functions are not
reported.

*Why it breaks migration*

Migration starts the destination with the source's command line. A configuration that
released QEMU accepts and that now fails to realize or plug (a device option, a CPU core's
thread count, a transport mode) cannot be started on the destination, so guests running
under it can no longer migrate to the new QEMU — on every machine type, old ones included.

*Example*

pseries started rejecting CPU cores whose `nr-threads` differs from `-smp threads` in
`spapr_core_pre_plug()`; the fix applied the check only to machine types with hotpluggable
CPUs (commits 8149e2992f78, 459264ef24cf). virtio started refusing legacy mode for modern-only
devices on all machine types; the fix skipped the check below 5.1 with
`x-disable-legacy-check` (commits 9b3a35ec8236, d55f518248f2).

*Instead*

Gate the new check with a compat property (`x-disable-...-check`, default off, set to on in
the newest `hw_compat_X_Y[]`) or a machine-class flag set by the old machine types, so
configurations old machine types accepted keep working.

*References*

- docs/devel/migration/compatibility.rst
- hw/core/machine.c (hw_compat_X_Y)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import RejectGate
from bot.rulekit.ctx import gated_by_series, source_text

RULE = RuleSpec(
    id="MIG051",
    name="realize-gate-added",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="patch",
    message="an existing device now rejects a configuration old machine types accept",
    fix_hint="gate the check with a compat property or a flag the old machine types set",
    kinds=("reject_gate",),
)

_GATE_FUNCS = re.compile(r"realize|(?<!un)plug")
# Before realize (QEMU < 2.x): qdev `init` callbacks (`pci_foo_init`, `foo_initfn`) and board
# init functions (`pc_init1`) rejected configurations the same way; not class/instance_init.
_INIT_FUNCS = re.compile(r"(?<!class)(?<!instance)(?<!type)(?<!arch)(?:^|_)init(?:fn|1)?$")
# Conditions that only propagate an error a callee reported.
_PROPAGATES = re.compile(
    r"\b(?:local_err|local_error|err|error|errp|ret|rc|r|ok|res|result)\b\s*(?:[<!=]=?\s*0)?\s*$"
    r"|^!?\s*\w+\s*\(.*\berrp?\b.*\)$"
)
_WORDS = re.compile(r"[a-z0-9]+")
# `!x`, `x == NULL`, `x < 0`, `NULL == x`: a test of one variable's failure value.
_FAILURE_TEST = re.compile(
    r"^(?:!\s*(?P<a>[A-Za-z_][\w.>-]*)|(?P<b>[A-Za-z_][\w.>-]*)\s*(?:==\s*NULL|<\s*0)"
    r"|NULL\s*==\s*(?P<c>[A-Za-z_][\w.>-]*))$"
)
_RESULT_WINDOW = 4  # lines above the error call (the `if` included) holding the assignment
# `error_setg(&s->fwnmi_migration_blocker, ...)`: an Error stored in a struct member
_STORED_ERROR = re.compile(r"^&\s*\(?\s*\w+\s*(?:->|\.)")


def _norm_msg(msg: str) -> str:
    return " ".join(_WORDS.findall(msg.lower()))


def _propagates(cond: str) -> bool:
    last = cond.split(" && ")[-1].strip()
    return bool(_PROPAGATES.search(last.lstrip("!").strip("() ")))


def _tests_call_result(ctx: RuleContext, path: str, g: RejectGate) -> bool:
    """Whether the check only tests for failure the result of a call assigned just above it
    (`pbdev = s390_pci_device_new(id); if (!pbdev) { error_setg(...) }`, 3e5cfba3ca0a): the
    callee failed, and any new rejection would be a check in the callee, reviewed there."""
    m = _FAILURE_TEST.match(g.condition.split(" && ")[-1].strip().strip("()").strip())
    if m is None:
        return False
    var = m.group("a") or m.group("b") or m.group("c")
    text = source_text(ctx, path, "new")
    if text is None:
        return False
    lines = text.splitlines()
    lo = max(0, g.line - 1 - _RESULT_WINDOW)
    assign = re.compile(rf"(?:^|[^\w.>-]){re.escape(var)}\s*=\s*[A-Za-z_]\w*\s*\(")
    return any(assign.search(line) for line in lines[lo : g.line - 1])


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report new rejection paths in realize/plug code of existing devices."""
    if change.op != "added" or not isinstance(change.new, RejectGate):
        return
    g = change.new
    if ctx.old_model is None:
        return
    if not _GATE_FUNCS.search(g.function) and not (
        change.path.startswith("hw/") and _INIT_FUNCS.search(g.function)
    ):
        return
    if _propagates(g.condition) or gated_by_series(ctx, g.condition):
        return
    if g.target is not None and _STORED_ERROR.match(cscan.norm(g.target)):
        return  # the Error is kept for later (a migration blocker's reason), not raised now
    if _tests_call_result(ctx, change.path, g):
        return
    old_funcs = {f for _p, fm in ctx.old_files.models() for f, _lo, _hi in fm.functions}
    if g.function not in old_funcs:
        return  # a new function: a new device or hook, nothing released runs it
    msg = _norm_msg(g.message)
    last = g.condition.split(" && ")[-1]
    for _p, fm in ctx.old_files.models():
        for og in fm.reject_gates:
            if (msg and _norm_msg(og.message) == msg) or og.condition.split(" && ")[-1] == last:
                return  # the same check existed before (moved or reworded)
    yield Hit(
        message=(
            f'{g.function}() now fails with "{g.message or g.call}" when {last}: a '
            "configuration released QEMU accepts no longer starts, so guests using it cannot "
            "migrate to this QEMU on any machine type"
        ),
        line=g.line,
        side="new",
        entity=f"{g.function}:{g.message or last}",
    )
