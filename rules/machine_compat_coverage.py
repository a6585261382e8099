"""MIG039 machine-compat-coverage: an existing machine type loses a compat entry, or misses one.

*What it flags*

For every versioned machine type (`pc-i440fx-2.3`, `pc-q35-1.4`, `pc-0.13`, `pseries-2.12`,
`virt-10.2`, `s390-ccw-virtio-2.4` ...) that a changed board file defines on both sides, the
effective set of compat entries it gets, through every style QEMU used: `.compat_props =
(GlobalProperty[]){ PC_COMPAT_1_4, {...} }` lists with nested compat macros,
`SET_MACHINE_COMPAT()`, `compat_props_add()` of `hw_compat_X_Y`/`pc_compat_X_Y` in the chain
of options functions, and the compat functions its init or options functions reach
(`pc_compat_1_7()` calling `x86_cpu_compat_disable_kvm_features(...)` or setting a compat
global such as `gigabyte_align = false`). Then:

- an existing machine type that loses an entry, or whose entry gets another value, while the
  property (compat helper, compat global) is still there — a compat refactor that dropped it;
- an entry the change adds that reaches some existing machine types of a family but not an
  older one of the same family (`pc-q35-1.4` lists `PC_COMPAT_1_4`, not `PC_Q35_COMPAT_1_4`,
  so the new q35 entry never reaches it; the pc-0.13-and-older init path does not call
  `pc_compat_1_7()`). pc-0.x/pc-1.x and pc-i440fx-X are one family.

A refactor that keeps every machine type's effective set is silent.

*Why it breaks migration*

A machine type promises the same guest-visible configuration in every QEMU release. When a
refactor drops an entry from pc-0.10, or the new compat entry that restores the old default
does not reach pc-q35-1.4, that old machine type now gets the new default (new option ROM
BARs, other HPET interrupt routing, x2apic in CPUID) and a VM migrated from an older QEMU
with the same machine type sees its hardware change, or fails to load.

*Example*

7a10ef51c239 put the new hpet `intcap` compat entry in `PC_Q35_COMPAT_1_7`, but
pc-q35-1.4 listed `PC_COMPAT_1_4` (fixed by 48cb7f3c1526). d6c730086cbf folded the pc
compat lists into shared macros and dropped `{ "PCI", "rombar", "0" }` from pc-0.10 and
pc-0.11 (fixed by c115cd65784a). ef02ef5f4536 disabled x2apic in `pc_compat_1_7()`, which
the separate pc-0.13-and-older init never calls (fixed by faab45979735).

*Instead*

Make every older machine type of the family reach the entry (list the family's compat macro,
call the common compat function from every init path, chain the options functions), and keep
every entry a refactor moves.

*References*

- docs/devel/migration/compatibility.rst; hw/core/machine.c (`hw_compat_X_Y`),
  hw/i386/pc_piix.c, hw/i386/pc_q35.c, hw/ppc/spapr.c, hw/arm/virt.c,
  hw/s390x/s390-virtio-ccw.c
- QEMU commits 7a10ef51c239, 48cb7f3c1526, d6c730086cbf, c115cd65784a, ef02ef5f4536,
  faab45979735
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.defines import DefineTable
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import machinecompat as MC

RULE = RuleSpec(
    id="MIG039",
    name="machine-compat-coverage",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="an existing machine type loses a compat entry, or a new one misses older machines",
    fix_hint="make every older machine type of the family reach the compat entry",
)

_MARKERS = (b"QEMUMachine", b"MACHINE(", b"MachineClass")
_MAX_LISTED = 8  # machine names listed per finding


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per unit (anchored on its first change): compare the compat sets of every
    versioned machine type of each changed board file."""
    if not ctx.changes or not (ctx.changes[0] is change or ctx.changes[0] == change):
        return
    files = K.file_changes(ctx)
    boards = [fc for fc in files
              if fc.old is not None and fc.new is not None and not fc.binary
              and (fc.new_path or "").endswith(".c")
              and any(m in fc.new for m in _MARKERS)]  # fmt: skip
    if not boards:
        return
    srcs = {side: _source(ctx, side) for side in ("old", "new")}
    for fc in boards:
        path = fc.new_path or ""
        old_m = K.file_model(ctx, fc.old_path or path, "old")
        new_m = K.file_model(ctx, path, "new")
        if old_m is None or new_m is None or fc.old is None or fc.new is None:
            continue
        old = MC.machine_compat(path, fc.old.decode("utf-8", "replace"), old_m, srcs["old"])
        new = MC.machine_compat(path, fc.new.decode("utf-8", "replace"), new_m, srcs["new"])
        both = sorted(n for n in old if n in new
                      and not old[n].truncated and not new[n].truncated)  # fmt: skip
        yield from _lost(ctx, path, old, new, both)
        yield from _missed(path, old, new, both)


def _source(ctx: RuleContext, side: K.Side) -> MC.MacroSource:
    """One side's macros, compat arrays and string resolver (the unit's files first)."""
    unit = [m for _, m in K.models(ctx, side)]
    t = K.tree(ctx, side)
    table = t.defines if t is not None else DefineTable({m.path: m for m in unit})
    raw = table.raw
    arrays = MC.arrays_lookup((a.name, a.entries) for _, a in C.all_entries_arrays(ctx, side))

    def resolve(expr: str, path: str) -> str | None:
        got = table.eval_expr(expr, path)
        return got[0] if got else None

    return MC.MacroSource(MC.defines_lookup(unit, raw), arrays, resolve)


def _prop_exists(ctx: RuleContext, name: str) -> bool | None:
    """Whether the new side still has a property of that name (None: not known)."""
    for _, fm in K.models(ctx, "new"):
        if any(p.name == name for p in fm.properties):
            return True
    t_new, t_old = K.tree(ctx, "new"), K.tree(ctx, "old")
    if t_new is not None and t_new.has_property_named(name):
        return True
    if t_old is not None and t_old.has_property_named(name):
        return False  # the tree had it and no longer has it: removed
    for _, fm in K.models(ctx, "old"):
        if any(p.name == name for p in fm.properties):
            return False
    return None


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


def _lost(
    ctx: RuleContext,
    path: str,
    old: dict[str, MC.Machine],
    new: dict[str, MC.Machine],
    both: list[str],
) -> Iterator[Hit]:
    """Entries existing machine types lose (or get another value for): one finding per set
    of machine types losing the same entries (a broken chain loses hundreds at once)."""
    used_new = {e.key for n in new.values() for e in n.entries}
    by_entry: dict[MC.Entry, list[str]] = {}
    for name in both:
        for e in old[name].entries - new[name].entries:
            by_entry.setdefault(e, []).append(name)
    groups: dict[tuple[str, ...], list[tuple[MC.Entry, str]]] = {}
    known: dict[tuple[str, ...], bool] = {}
    for e, names in sorted(by_entry.items()):
        if e.kind == "prop":
            exists = _prop_exists(ctx, e.name)
            if exists is False:
                continue  # the property is gone: its compat entries go with it
        elif e.key not in used_new:
            continue  # the helper or global is not used for any machine any more
        key = tuple(sorted(names, key=_order))
        now = sorted({f.value for n in names for f in new[n].entries if f.key == e.key})
        what = (f"{e.describe()} (now {' or '.join(repr(v) for v in now)})" if now
                else e.describe())  # fmt: skip
        groups.setdefault(key, []).append((e, what))
        known[key] = known.get(key, False) or (e.kind == "prop" and exists is True)
    for ms, lost in sorted(groups.items()):
        plural = len(ms) > 1
        first = new[ms[0]]
        e0 = lost[0][0]
        listed = "; ".join(w for _, w in lost[:_MAX_LISTED])
        if len(lost) > _MAX_LISTED:
            listed += f"; and {len(lost) - _MAX_LISTED} more"
        yield Hit(
            message=(
                f"machine type{'s' if plural else ''} {_listed(list(ms))} no longer "
                f"get{'' if plural else 's'} {len(lost)} compat "
                f"entr{'ies' if len(lost) > 1 else 'y'} {'they' if plural else 'it'} had before "
                f"this change (or get{'' if plural else 's'} another value): {listed} — VMs of "
                f"{'those machine types' if plural else 'that machine type'} started on an "
                "older QEMU see their devices configured differently after migration"
            ),
            line=first.line,
            side="new",
            entity=f"{ms[0]}:{e0.target}.{e0.name}" if e0.name else f"{ms[0]}:{e0.target}",
            path=path,
            severity=Severity.ERROR if known[ms] else None,
            confidence="high",
        )


def _missed(
    path: str, old: dict[str, MC.Machine], new: dict[str, MC.Machine], both: list[str]
) -> Iterator[Hit]:
    """Entries the change adds that reach some existing machine types of a family but not an
    older one of the same family: one finding per (machine types missed, reached)."""
    gainers: dict[MC.Entry, list[str]] = {}
    for name in both:
        old_keys = {e.key for e in old[name].entries}
        for e in new[name].entries - old[name].entries:
            if e.key not in old_keys:
                gainers.setdefault(e, []).append(name)
    fams: dict[str, list[tuple[tuple[int, int], str]]] = {}
    for name in both:
        fv = MC.machine_version(name)
        if fv is not None:
            fams.setdefault(fv[0], []).append((fv[1], name))
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[MC.Entry]] = {}
    for e, names in sorted(gainers.items()):
        by_fam: dict[str, tuple[int, int]] = {}
        for n in names:
            fv = MC.machine_version(n)
            if fv is not None and (fv[0] not in by_fam or fv[1] > by_fam[fv[0]]):
                by_fam[fv[0]] = fv[1]
        for fam, vmax in sorted(by_fam.items()):
            missed = tuple(n for ver, n in sorted(fams.get(fam, ()))
                           if ver < vmax and n not in names
                           and not any(f.key == e.key for f in new[n].entries))  # fmt: skip
            if missed:
                got = tuple(sorted((n for n in names if _family(n) == fam), key=_order))
                groups.setdefault((missed, got), []).append(e)
    for (missed, got), entries in sorted(groups.items()):
        m = new[missed[0]]
        listed = "; ".join(e.describe() for e in entries[:_MAX_LISTED])
        if len(entries) > _MAX_LISTED:
            listed += f"; and {len(entries) - _MAX_LISTED} more"
        e0 = entries[0]
        yield Hit(
            message=(
                f"the compat entr{'ies' if len(entries) > 1 else 'y'} {listed} this change adds "
                f"reach{'' if len(entries) > 1 else 'es'} {_listed(list(got))} but not the older "
                f"{_listed(list(missed))} of the same family: "
                f"{'those machine types get' if len(missed) > 1 else 'that machine type gets'} "
                "the new behaviour, and migration from an older QEMU with "
                f"{'them' if len(missed) > 1 else 'it'} breaks"
            ),
            line=m.line,
            side="new",
            entity=f"{missed[0]}:{e0.target}.{e0.name}" if e0.name else f"{missed[0]}:{e0.target}",
            path=path,
        )


def _family(name: str) -> str | None:
    fv = MC.machine_version(name)
    return fv[0] if fv is not None else None


def _order(name: str) -> tuple[str, tuple[int, int]]:
    fv = MC.machine_version(name)
    return fv if fv is not None else (name, (0, 0))
