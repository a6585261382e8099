"""MIG050 cpu-feature-mask-change: CPUID feature bits are set or cleared differently.

*What it flags*

In CPU code (`target/`, `target-<arch>/`), a statement that sets or clears CPUID feature bits
(`*ecx &= ~CPUID_EXT_PDCM;`, `env->features[FEAT_1_ECX] |= CPUID_EXT_X2APIC;`,
`ret &= ~CPUID_7_0_EDX_ARCH_CAPABILITIES;`) that is added, removed, moved to another
function, or whose condition or target changes — in the CPUID, feature-expansion, filter or
KVM supported-CPUID code every existing CPU model runs through. Also the MSR bits an existing
PowerPC CPU family allows (`pcc->msr_mask = (1ull << MSR_SF) | ...;` in its
`POWERPC_FAMILY(X)` class_init): old pseries machine types send `msr_mask` and check it.
A statement moved unchanged (same target, operation and condition) between functions or
files is not reported, nor a change that the series gates with a new property or compat
entry.

*Why it breaks migration*

The guest read CPUID when it booted. A destination whose QEMU computes other feature bits for
the same `-cpu` model and machine type shows the guest a different CPU after migration
(instructions it now uses fault, MSRs it saw are refused, "cpuid" checks under KVM fail), and
feature words that end up in migrated state (`env->features`, MSR lists) no longer match.

*Example*

QEMU 10.1 moved the `!enable_pmu` PDCM masking from `cpu_x86_cpuid()` to
`x86_cpu_expand_features()`, ahead of the feature dependencies, so old machine types lost
`pdcm`; the fix gated it with a compat property (commits e68ec2980901, 6529f31e0dcc).

*Instead*

Keep the old result for existing machine types: add a CPU property (e.g. `x-pdcm-on-even-
without-pmu`), test it next to the new masking, and set it in the newest `pc_compat_X_Y[]`
for `TYPE_X86_CPU`.

*References*

- target/i386/cpu.c (cpu_x86_cpuid, x86_cpu_expand_features, feature_dependencies)
- docs/devel/migration/compatibility.rst
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FeatureMask
from bot.model.view import FilesView
from bot.rulekit.ctx import gated_by_series

RULE = RuleSpec(
    id="MIG050",
    name="cpu-feature-mask-change",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="patch",
    message="CPUID feature bits are masked differently for existing CPU models",
    fix_hint="gate the new masking with a CPU property that the newest pc_compat array resets",
    kinds=("feature_mask",),
)

_CPU_DIRS = ("target/", "target-")


def _same(a: FeatureMask, b: FeatureMask) -> bool:
    return (a.target, a.op, a.bits, a.condition) == (b.target, b.op, b.bits, b.condition)


def _masks(files: FilesView) -> list[FeatureMask]:
    return [f for _p, fm in files.models() for f in fm.feature_masks]


def _describe(m: FeatureMask) -> str:
    cond = f" if {m.condition}" if m.condition else ""
    return f"`{m.target} {m.op.replace('&=~', '&=')} {m.mask}` in {m.function}(){cond}"


def _hit(m: FeatureMask, what: str, side: str) -> Hit:
    return Hit(
        message=(
            f"feature bits {', '.join(m.bits)} {what}; existing CPU models on old machine "
            "types show the guest other CPUID bits than released QEMU"
        ),
        line=m.line,
        side=side,
        entity=f"{m.function}.{'|'.join(m.bits)}",
    )


def _verb(m: FeatureMask) -> str:
    return "cleared" if m.op.startswith("&=") else "set"


def _whole_mask(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """`pcc->msr_mask = ...` of an existing CPU family: bits added or dropped."""
    n = change.new
    if change.op != "added" or not isinstance(n, FeatureMask):
        return  # a removed one is reported where its replacement is; a new family is new
    before = [
        m
        for m in _masks(ctx.old_files)
        if m.op == "=" and m.target == n.target and m.function == n.function
    ]
    if not before or any(m.mask == n.mask for m in before) or gated_by_series(ctx, n.condition):
        return
    o = before[0]
    added = sorted(set(n.bits) - set(o.bits))
    dropped = sorted(set(o.bits) - set(n.bits))
    what = "; ".join(
        part
        for part in (
            f"now allows {', '.join(added)}" if added else "",
            f"no longer allows {', '.join(dropped)}" if dropped else "",
        )
        if part
    ) or f"changes from {o.mask} to {n.mask}"
    yield Hit(
        message=(
            f"{n.target} of the existing CPU family in {n.function} {what}: old machine types "
            "migrate and check this mask (and what the guest may set), so streams from or to "
            "older QEMUs differ for the same CPU model"
        ),
        line=n.line,
        side="new",
        entity=f"{n.function}.{n.target}",
    )


def _statement(m: FeatureMask) -> tuple[str, str, str, str | None]:
    return (m.function, m.target, m.op, m.condition)


def _edited(
    m: FeatureMask, others: list[FeatureMask], mine: list[FeatureMask]
) -> FeatureMask | None:
    """The other side's statement that `m` edits: same function, target, operation and
    condition, other bits, and gone from `m`'s side (one edited statement, not two)."""
    for x in others:
        if _statement(x) == _statement(m) and x.bits != m.bits:
            if not any(_same(x, y) for y in mine):
                return x
    return None


def _bits_changed(o: FeatureMask, n: FeatureMask) -> Iterator[Hit]:
    """One hit for the bits an edited statement gains or loses, said the right way round:
    `x &= MASK` keeps MASK, so a bit added to MASK is no longer cleared."""
    gained = sorted(set(n.bits) - set(o.bits))
    lost = sorted(set(o.bits) - set(n.bits))
    keep = n.op == "&="
    verb = "set" if n.op == "|=" else "cleared"
    parts = []
    if gained:
        parts.append(f"{', '.join(gained)} {'no longer' if keep else 'newly'} {verb}")
    if lost:
        parts.append(f"{', '.join(lost)} {'newly' if keep else 'no longer'} {verb}")
    if not parts:
        return
    yield Hit(
        message=(
            f"feature bits {'; '.join(parts)} ({_describe(o)} became {_describe(n)}); "
            "existing CPU models on old machine types show the guest other CPUID bits than "
            "released QEMU"
        ),
        line=n.line,
        side="new",
        entity=f"{n.function}.{'|'.join(gained + lost)}",
    )


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report feature-bit masking that changes for existing CPU models."""
    if not change.path.startswith(_CPU_DIRS):
        return
    o, n = change.old, change.new
    if (isinstance(n, FeatureMask) and n.op == "=") or (isinstance(o, FeatureMask) and o.op == "="):
        yield from _whole_mask(change, ctx)
        return
    old_all, new_all = _masks(ctx.old_files), _masks(ctx.new_files)
    if change.op == "modified":
        if not isinstance(o, FeatureMask) or not isinstance(n, FeatureMask) or _same(o, n):
            return
        if not gated_by_series(ctx, n.condition):
            yield _hit(n, f"are masked differently: {_describe(o)} became {_describe(n)}", "new")
    elif change.op == "added" and isinstance(n, FeatureMask):
        if any(_same(n, m) for m in old_all) or gated_by_series(ctx, n.condition):
            return  # moved unchanged from another function or file, or gated
        edited = _edited(n, old_all, new_all)
        if edited is not None:
            yield from _bits_changed(edited, n)
            return
        gone = [m for m in old_all if m.bits == n.bits and not any(_same(m, x) for x in new_all)]
        what = (
            f"moved from {gone[0].function}() ({_describe(gone[0])}) to {n.function}() "
            f"({_describe(n)}), which changes when and on what it acts"
            if gone
            else f"newly {_verb(n)}: {_describe(n)}"
        )
        yield _hit(n, what, "new")
    elif change.op == "removed" and isinstance(o, FeatureMask):
        if any(_same(o, m) for m in new_all) or gated_by_series(ctx, o.condition):
            return  # moved unchanged, or gated
        if any(m.bits == o.bits for m in new_all if not any(_same(m, x) for x in old_all)):
            return  # reported where it was moved to
        if _edited(o, new_all, old_all) is not None:
            return  # the same statement with other bits: reported on the new side
        yield _hit(o, f"are no longer {_verb(o)} ({_describe(o)})", "old")
