"""MIG068 cpu-state-not-migrated: new CPU register state that the target's vmstate omits

*What it flags*

A scalar member (or array of scalars) added to a struct of a target's CPU state (`target/X/`
or `target-X/`), which the translated code of the same change reaches — a TCG global or a
`tcg_gen_ld/st` at `offsetof(CPUXState, path.member)` — or which a TCG helper (`helper_*`)
assigns through `env->...member`, while none of the target's vmsds carries it (no field path
names it) and the target migrates its CPU through vmsds at all. Members registered as
coprocessor registers (`.fieldoffset = offsetof(...)`, migrated through the cpreg list) are
not flagged, nor is a member that a function the file already had (not a TCG helper) ORs
into a value (`fsr |= env->fcc[0] << FSR_FCC0_SHIFT`): a piece split out of a register the
vmstate already sends through that accessor, nor one whose family (the struct's members
named alike up to the first `_`) the vmstate mostly leaves out on purpose (`reserve_val`,
`reserve_val2`: LL/SC reservation state).

*Why it breaks migration*

Register state the guest's instructions read and write is CPU state: a destination that does
not receive it starts with the reset value, so a guest that set the register (a VP control
bit, an MMID, SIMD/multimedia registers) finds it cleared after migration and misbehaves.
An older QEMU cannot take the register either, so adding it later means a version bump or a
subsection, which is why it belongs in the change that introduces the register.

*Example*

```c
 struct CPUMIPSState {
+    int32_t CP0_VPControl;
 };
+    gen_mfc0_load32(arg, offsetof(CPUMIPSState, CP0_VPControl));
```

while `target/mips/machine.c` migrates `env.CP0_Index`, ... but no `CP0_VPControl`.

*Instead*

Add the register to the target's CPU vmsd in the same change: a subsection whose `.needed`
tests the feature (or a non-reset value), or a field behind a version bump.

*References*

- docs/devel/migration/main.rst ("Subsections"); every piece of guest-visible CPU state must be
  in the CPU's VMState
- 01bc435b44b8, c870e3f52cac, eb5559f67dc8, a168a796e1c2 (MIPS VP control, CMGCRBase, MXU and
  R5900 registers, all added to the vmstate only by df44e8170396)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model import cscan
from bot.model.entities import StructDef, Vmsd
from bot.rulekit.ctx import file_changes, file_model, models, source_text, tree
from bot.rulekit.machines import FileFunctions
from bot.rulekit.vmsd import added_scalar_members

RULE = RuleSpec(
    id="MIG068",
    name="cpu-state-not-migrated",
    severity=Severity.WARNING,
    category=Category.OTHER,
    confidence="medium",
    scope="series",
    message="new CPU register state is missing from the target's vmstate",
    fix_hint=(
        "add the register to the target's CPU vmsd in the same change (a subsection needed when "
        "the feature is present, or a versioned field)"
    ),
    kinds=("struct",),
)

_TARGET_DIR = re.compile(r"^(target/[\w-]+|target-[\w-]+)/")
# offsetof(CPUMIPSState, active_tc.mxu_gpr[i]) / offsetof(MIPSCPU, env.x)
_OFFSETOF = re.compile(r"\boffsetof\s*\(\s*(\w+)\s*,\s*([^()]{1,200}?)\s*\)")
_ENV_TYPE = re.compile(r"^(?:CPU\w*State|\w*CPU)$")
_CPREG = re.compile(r"fieldoffset", re.IGNORECASE)
_MAX_MEMBERS = 32
_MAX_TEXT = 2_000_000  # characters of a changed file scanned (untrusted input)
_MAX_VMSDS = 4096


def _target_dir(path: str) -> str | None:
    m = _TARGET_DIR.match(path)
    return m.group(1) if m else None


def _target_vmsds(ctx: RuleContext, tdir: str) -> list[Vmsd]:
    """The migratable vmsds defined under the target directory (new side)."""
    prefix = tdir + "/"
    out: dict[tuple[str, str], Vmsd] = {}
    for path, model in models(ctx, "new"):
        if path.startswith(prefix):
            for v in model.vmsds:
                out[(path, v.c_name)] = v
    t = tree(ctx, "new")
    if t is not None:
        for n, (path, v) in enumerate(t.iter_vmsds()):
            if n >= _MAX_VMSDS * 16:
                break
            if path.startswith(prefix):
                out.setdefault((path, v.c_name), v)
    return [v for v in out.values() if not v.unmigratable][:_MAX_VMSDS]


def _carried(vmsds: list[Vmsd]) -> set[str]:
    """Every identifier of every field path the vmsds send (`env.active_tc.gpr[0]` -> all)."""
    out: set[str] = set()
    for v in vmsds:
        for f in v.fields:
            if f.c_field:
                out.update(re.findall(r"[A-Za-z_]\w*", f.c_field))
    return out


def _changed_target_texts(ctx: RuleContext, tdir: str) -> list[tuple[str, str]]:
    """(path, comment-stripped new text) of the change's .c files under the target dir."""
    out: list[tuple[str, str]] = []
    for fc in file_changes(ctx):
        p = fc.new_path
        if p is None or fc.new is None or not p.endswith(".c") or not p.startswith(tdir + "/"):
            continue
        out.append((p, cscan.strip_comments(fc.new.decode("utf-8", "replace")[:_MAX_TEXT])))
    return out


def _tcg_reach(text: str, member: str) -> bool:
    """An `offsetof(CPUXState, ...member...)` outside a cpreg `fieldoffset` definition."""
    for m in _OFFSETOF.finditer(text):
        if not _ENV_TYPE.match(m.group(1)):
            continue
        if member not in re.findall(r"[A-Za-z_]\w*", m.group(2)):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _CPREG.search(text[max(line_start - 80, 0) : m.start()]):
            continue
        return True
    return False


def _helper_writes(text: str, functions: FileFunctions, member: str) -> str | None:
    """A TCG helper (`helper_*`) assigning `env->...member`, if any."""
    m_ = re.escape(member)
    write = re.compile(
        rf"\benv\s*->\s*(?:\w+\s*(?:\[[^\]]{{0,64}}\]\s*)?\.\s*)*{m_}\s*"
        rf"(?:\[[^\]]{{0,64}}\]\s*){{0,3}}(?:[|&^+\-*/%]|<<|>>)?=(?!=)"
    )
    for fn in sorted(functions.names()):
        if fn.startswith("helper_") and write.search(functions.text(fn)):
            return fn
    return None


_ACCESS = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)\b(?!\s*(?:\.|->|\())")
_OR = re.compile(r"[^|]\|(?!\|)")  # `a | b` and `x |= b`, not `||`


def _accessors(ctx: RuleContext, texts: list[tuple[str, str]]) -> list[str]:
    """Bodies of functions the change's target files had before and still have, other than
    TCG helpers: the register accessors a split-out piece would be reassembled in."""
    out: list[str] = []
    for path, text in texts:
        old_text = source_text(ctx, path, "old")
        new_model = file_model(ctx, path, "new")
        old_model = file_model(ctx, path, "old")
        if old_text is None or new_model is None or old_model is None:
            continue
        before = {name for name, _, _ in old_model.functions}
        functions = FileFunctions(text, new_model)
        out.extend(functions.text(fn) for fn in sorted(functions.names() & before)
                   if not fn.startswith("helper_"))  # fmt: skip
    return out


def _reassembled(accessors: list[str], member: str) -> bool:
    """A pre-existing accessor ORs the member into a value (`fsr |= env->fcc[0] << 10`,
    `env->fsr | env->fsr_cexc_ftt`): a piece split out of a register the vmstate already
    sends through that accessor."""
    for body in accessors:
        if member not in body:
            continue
        for stmt in body.split(";"):
            if member in stmt and _OR.search(stmt) and member in _ACCESS.findall(stmt):
                lhs = stmt.split("=", 1)[0] if "=" in stmt else ""
                if member not in _ACCESS.findall(lhs):
                    return True
    return False


def _family_left_out(member: str, existing: set[str], carried: set[str]) -> bool:
    """The struct's other members of the member's family (same name up to the first `_`:
    `reserve_val`, `reserve_val2` for `reserve_length`) are mostly not migrated: the target
    leaves that state out on purpose (an LL/SC reservation only makes the next SC fail)."""
    prefix = member.split("_", 1)[0]
    if len(prefix) < 2:
        return False
    family = [n for n in existing if n != member and n.startswith(prefix)]
    if not family:
        return False
    return 2 * sum(1 for n in family if n not in carried) > len(family)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new CPU state member that translated code or a TCG helper reaches and
    no vmsd of the target carries."""
    tdir = _target_dir(change.path)
    if tdir is None:
        return
    members = added_scalar_members(change, ctx, _MAX_MEMBERS, bitfields=False)
    if not members:
        return
    vmsds = _target_vmsds(ctx, tdir)
    if not any(len(v.fields) > 2 for v in vmsds):
        return  # the target does not migrate its CPU through vmsds
    carried = _carried(vmsds)
    texts = _changed_target_texts(ctx, tdir)
    if not texts:
        return
    accessors = _accessors(ctx, texts)
    assert isinstance(change.old, StructDef)
    existing = {m.name for m in change.old.members}
    for m in members:
        if m.name in carried or _reassembled(accessors, m.name):
            continue
        if _family_left_out(m.name, existing, carried):
            continue
        how: str | None = None
        for path, text in texts:
            if _tcg_reach(text, m.name):
                how = f"translated code in {path} reaches it through offsetof()"
                break
            model = file_model(ctx, path, "new")
            if model is None:
                continue
            fn = _helper_writes(text, FileFunctions(text, model), m.name)
            if fn is not None:
                how = f"the TCG helper {fn}() in {path} writes it"
                break
        if how is None:
            continue
        yield Hit(
            message=(
                f"new CPU state `{m.name}` is guest-visible ({how}) but no vmsd under {tdir}/ "
                f"migrates it: after migration the guest finds its reset value"
            ),
            line=m.line,
            side="new",
            entity=f"{change.key}.unmigrated[{m.name}]",
            path=change.path,
        )
