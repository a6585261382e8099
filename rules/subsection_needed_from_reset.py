"""MIG062 subsection-needed-from-reset: a new subsection's .needed is true from reset on

*What it flags*

A subsection newly listed in an existing description whose `.needed` only tests its own
migrated state for non-zero (`return s->wait_for_sipi != 0;`), while reset, realize or init
code sets that state to a non-zero value (`s->wait_for_sipi = !cpu_is_bsp(s->cpu);` in
`apic_init_reset`), or while the accelerator's get path copies in a counter the host
advances by itself (`env->msr_smi_count = msrs[i].data;` in `kvm_get_msrs`: an SMI count, a
consumed-time MSR). The state is then non-zero without the guest using anything new, and
`.needed` checks no property a compat array could turn off. Registers a guest has to write
first (XSS, an assist page address) are not flagged.

*Why it breaks migration*

A state-dependent `.needed` is the documented way to send rarely used state: old
destinations only fail on the few streams that carry it. State that reset makes non-zero is
not rare: nearly every VM sends the subsection, on every machine type, and a destination
running a QEMU without it fails with "VM subsection '<name>' in '<parent>' does not exist".

*Example*

```c
+static bool apic_common_sipi_needed(void *opaque)
+{
+    APICCommonState *s = APIC_COMMON(opaque);
+    return s->wait_for_sipi != 0;     /* apic_init_reset: = !cpu_is_bsp(s->cpu) */
+}
```

*Instead*

Make the value reset gives the one `.needed` treats as default (send only when the state
differs from what an old destination assumes, and restore that default in `pre_load`), or
gate `.needed` on a property that the previous release's compat array turns off.

*References*

- docs/devel/migration/main.rst, "Subsections" and "Connecting subsections to properties"
- c2c00148ec54 (apic_sipi subsection needed whenever wait_for_sipi != 0, which reset sets on
  every AP), fixed by 575a6f4082c4
- e13713db5b60 (cpu/msr_smi_count needed whenever the SMI count is non-zero), fixed by
  990e0be26035; 46eb8f98f2ce (Hyper-V VP_RUNTIME), fixed by 5122787580ad
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model import cscan
from bot.model.entities import FileModel, FunctionInfo, Vmsd
from bot.model.memberwrites import member_writes
from bot.rulekit import drafts as D
from bot.rulekit.ctx import file_model, find_vmsd_at
from bot.rulekit.vmsd import function_facts, opaque_decl, vmsd_change, vmsd_label, wire_reset

RULE = RuleSpec(
    id="MIG062",
    name="subsection-needed-from-reset",
    severity=Severity.WARNING,
    category=Category.NEEDED_OR_TEST_LOGIC,
    confidence="medium",
    scope="series",
    message="a new subsection's .needed is true from reset on",
    fix_hint=(
        "send the subsection only when the state differs from its reset/default value, or "
        "gate .needed on a compat property that is off for older machine types"
    ),
    kinds=("vmsd",),
)

# reset / realize / init code: runs for every VM, with no guest action
_SETUP = re.compile(r"reset|realize|(?:^|_)init(?:fn)?$|instance_init|_init_")
# the accelerator's get path: fills CPU state from the host kernel (kvm_get_msrs,
# kvm_arch_get_registers) whatever the guest does
_HOST_GET = re.compile(r"^kvm\w*_get_|_get_(?:msrs|regs|registers)$")
# state the host advances by itself: counters and consumed time (the SMI count, the
# Hyper-V VP runtime), non-zero in every running VM; plain registers a guest must write
# first (XSS, the VAPIC page) are not such state
_COUNTER = re.compile(r"(?:^|_)(?:count|counter|counters|runtime|cycles|ticks)(?:$|_)")
# a copy of a variable or member (`s->conf.x`, `val`): a property realize copies in, or a
# parameter; what it holds is not known here
_COPY = re.compile(r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*\w+)*")
_CONST = re.compile(r"true|TRUE|[A-Z][A-Z0-9_]*")
_ZERO = frozenset({"0", "false", "NULL", "0x0", "0U", "0u", "0ULL", "0ull", "0L"})
# `x`, `x != 0`, `!!x`, `x > 0`, `0 != x` over member paths (`s->a`, `env->b.c`)
_PATH = r"[A-Za-z_]\w*(?:\s*(?:->|\.)\s*\w+)+"
_TEST = re.compile(rf"^\s*(?:!!\s*)?\(?\s*({_PATH})\s*\)?\s*(?:(?:!=|>)\s*(?:0|false|NULL))?\s*$")


def _tested(returns: tuple[str, ...]) -> list[str] | None:
    """Members a .needed tests for non-zero, when that is all its returns do."""
    out: list[str] = []
    for r in returns:
        for part in re.split(r"\|\|", r.strip()):
            m = _TEST.match(part.strip().strip("()") if part.count("(") == part.count(")")
                            else part)  # fmt: skip
            if m is None:
                return None
            out.append(re.split(r"->|\.", m.group(1))[-1].strip())
    return out or None


_MAX_FUNCTION_LINES = 2000  # lines of a function read before a write (untrusted input)


def _own_state(sub: Vmsd) -> set[str]:
    """Every component of the C member paths the subsection migrates."""
    out: set[str] = set()
    for f in sub.fields:
        if f.c_field:
            out.update(p for p in re.split(r"\.|->|\[", f.c_field) if re.fullmatch(r"\w+", p))
    return out


def _setup_write(ctx: RuleContext, member: str) -> tuple[str, str, int, str, str] | None:
    """(path, function, line, value, how) of a non-zero write of `member` by reset, realize or
    init code, or of a host-advanced counter by the accelerator's get path, in a changed
    file's new side."""
    counter = _COUNTER.search(member) is not None
    for fc in ctx.series.folded:
        if fc.new is None or fc.new_path is None or not fc.new_path.endswith(".c"):
            continue
        text = fc.new.decode("utf-8", "replace")
        if member not in text:
            continue
        model: FileModel | None = file_model(ctx, fc.new_path, "new")
        if model is None:
            continue
        lines = text.splitlines()
        for w in member_writes(text, member):
            fn = model.function_at(w.line)
            if fn is None or w.guard is not None or w.value.strip("() ") in _ZERO:
                continue
            copy = _COPY.fullmatch(w.value) and not _CONST.fullmatch(w.value)
            if _SETUP.search(fn) and not copy and not _conditional(lines, model, fn, w.line):
                return fc.new_path, fn, w.line, w.value, "without any guest action"
            if counter and _HOST_GET.search(fn):
                return (fc.new_path, fn, w.line, w.value,
                        "from the host, where it advances by itself")  # fmt: skip
    return None


def _conditional(lines: list[str], model: FileModel, fn: str, line: int) -> bool:
    """Whether the statement on `line` sits inside a block or under an `if`/`else` of `fn`
    (a write guarded by a property or a state test says nothing about every VM)."""
    start = next((s for n, s, _ in model.functions if n == fn), None)
    if start is None or line - start > _MAX_FUNCTION_LINES:
        return True  # not read: taken as conditional, so no finding rests on it
    head = cscan.strip_comments("\n".join(lines[start - 1 : line]))
    brace = head.find("{")
    if brace < 0:
        return True
    body = head[brace + 1 :]
    last = body.rfind("\n")
    before, stmt = (body[:last], body[last:]) if last >= 0 else ("", body)
    if before.count("{") - before.count("}") > 0:
        return True  # nested in an if/for/while/switch block
    prev = re.split(r"[;{}]", before)[-1] + stmt
    return re.search(r"\b(?:if|else|while|for)\b|\?", prev) is not None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per subsection newly listed in an existing vmsd whose .needed tests state
    that reset/realize/init makes non-zero."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified" or wire_reset(ctx, old, new):
        return
    for c in new.subsections:
        if c in old.subsections or find_vmsd_at(ctx, c, "old") is not None:
            continue  # listed before, or an existing description moved under this one
        found = find_vmsd_at(ctx, c, "new")
        if found is None:
            continue
        sub, path = found
        needed = sub.hook("needed")
        if needed is None:
            continue
        facts: FunctionInfo | None = function_facts(file_model(ctx, path, "new"), needed)
        if facts is None or not facts.returns:
            continue
        tested = _tested(facts.returns)
        state = _own_state(sub)
        if tested is None or not set(tested) <= state or not set(facts.member_reads) <= state:
            continue  # .needed reads something besides its own state (a property, a flag)
        for member in tested:
            got = _setup_write(ctx, member)
            if got is None:
                continue
            wpath, fn, wline, value, how = got
            sname, parent = vmsd_label(sub), vmsd_label(new)
            draft, edits = _draft(ctx, new, path, needed, facts)
            yield Hit(
                message=(
                    f"subsection '{sname}' added to '{parent}' is needed whenever `{member}` "
                    f"is non-zero, and {fn}() ({wpath}:{wline}) sets it to `{value}` {how}: "
                    f"nearly every VM sends it, on every machine type, and "
                    f"migration to an older QEMU fails with \"VM subsection '{sname}' in "
                    f"'{parent}' does not exist\""
                ),
                line=facts.line,
                side="new",
                entity=f"{new.c_name}.subsections[{sname}]",
                path=path,
                fix_draft=draft,
                fix_edits=edits,
            )
            break


def _draft(
    ctx: RuleContext, parent: Vmsd, path: str, needed: str, facts: FunctionInfo
) -> tuple[str, tuple[DraftEdit, ...]]:
    """Gate .needed on a new bool property of the device (on by default, off in the previous
    release's compat array)."""
    state = opaque_decl(parent)
    dev = D.device_of_vmsd(ctx, parent.c_name) or D.device_of_state(ctx, state)
    stem = needed.removesuffix("_needed") or "state"
    gate = D.gate_for(ctx, state, dev, stem)
    bare = (state or "").removeprefix("struct ").strip()
    var = next((n for t, n in facts.decls if t == bare), None)
    if var is None:
        var = next((n for _, n in facts.params), "opaque")
    ret = facts.returns[0]
    line = f"    return {var}->{gate.member} && ({ret});"
    gate_text, gate_edits = D.gate_parts(ctx, gate)
    text = f"/* in {needed}(): */\n{line}\n{gate_text}\n"
    edit = D.sub_in(path, facts.line, facts.end_line, r"return\s+([^;]*);",
                    rf"return {var}->{gate.member} && (\1);")  # fmt: skip
    return text, (edit, *gate_edits)
