"""MIG061 machine-setting-released-change: a released machine version's option chain changed

*What it flags*

A member of the machine class (`m->no_floppy`, `pcmc->...`, `vmc->...`) whose effective value
changes for machine versions a QEMU release already shipped, because an assignment was added
to, removed from or changed in the option hook of a newer version that the older versions'
hooks call first (`pc_q35_2_3_machine_options` starts with `pc_q35_2_4_machine_options(m)`),
or in a helper the whole chain shares, without an older hook restoring the old value. The
newest version changes the same way, so the change is not a per-version compat setting.
Cosmetic members (alias, is_default, desc, deprecation_reason, max_cpus) are left alone.

*Why it breaks migration*

The machine class decides which devices a machine type creates and how (a floppy controller,
kvmclock, ACPI tables, ROM sizes). A destination running an older QEMU with the same machine
type builds the machine as that release did; when the source now builds it differently,
sections are missing or unknown ("Unknown savevm section or instance 'fdc'") and migration
fails in both directions. A machine type must keep behaving exactly as in the release that
introduced it.

*Example*

```c
 static void pc_q35_2_4_machine_options(MachineClass *m)
 {
     pc_q35_machine_options(m);
+    m->no_floppy = 1;
     m->alias = "q35";
 }

 static void pc_q35_2_3_machine_options(MachineClass *m)
 {
     pc_q35_2_4_machine_options(m);   /* inherits no_floppy = 1 */
     m->alias = NULL;
```

*Instead*

Restore the old value in the hook of the newest released version (`m->no_floppy = 0;` in
`pc_q35_2_3_machine_options`); the versions before it inherit it.

*References*

- docs/devel/migration/compatibility.rst (machine types)
- ea96bc629cbd (no_floppy set in pc_q35_2_4_machine_options, inherited by pc-q35-2.3 and
  older), fixed by 473a49460db0 (`m->no_floppy = 0` in pc_q35_2_3_machine_options)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.machinesettings import MachineSetting, hook_family, machine_hooks
from bot.rulekit import drafts as D
from bot.rulekit.ctx import Side, file_model, func_span

RULE = RuleSpec(
    id="MIG061",
    name="machine-setting-released-change",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="a released machine version's option chain changed",
    fix_hint=(
        "restore the old value in the option hook of the newest released version; the older "
        "versions inherit it"
    ),
    kinds=("machine_setting",),
)

# Members that name, describe or size a machine type without changing what it builds.
_COSMETIC = frozenset(
    {
        "alias",
        "is_default",
        "desc",
        "deprecation_reason",
        "max_cpus",
        "min_cpus",
        "default_cpus",
        "name",
        "compat_props",
        "default_boot_order",
    }
)
_ZERO = frozenset({"", "0", "false", "NULL", "0x0", "0U", "0u"})


def _norm(value: str) -> str:
    """Unset and zero are the same (machine classes are zero-allocated)."""
    v = value.strip("() ")
    return "0" if v in _ZERO else v


def _settings(change: EntityChange) -> tuple[MachineSetting, MachineSetting] | None:
    if isinstance(change.old, MachineSetting) and isinstance(change.new, MachineSetting):
        return change.old, change.new
    return None


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """One hit per (board family, member), on the newest released version it changes."""
    pair = _settings(change)
    if pair is None:
        return
    old, new = pair
    if new.is_global or new.member in _COSMETIC or _norm(old.value) == _norm(new.value):
        return
    fam = [
        p
        for p in (_settings(c) for c in ctx.changes if c.path == change.path)
        if p is not None and p[1].family == new.family
    ]
    # the versions each side defines, from the models' function names
    old_versions = _versions(ctx, change.path, "old", new.family)
    new_versions = _versions(ctx, change.path, "new", new.family)
    if not old_versions or not new_versions:
        return
    newest_old, newest_new = max(old_versions), max(new_versions)
    if new.version >= newest_old:
        return  # the version in development (or a newer one): no release shipped it
    latest = next((p for p in fam if p[1].member == new.member and p[1].version == newest_new),
                  None)  # fmt: skip
    if latest is None or _norm(latest[1].value) != _norm(new.value):
        return  # the newest version keeps its value: a per-version (compat) setting
    hit = [p for p in fam if p[1].member == new.member and p[1].version < newest_old
           and _norm(p[0].value) != _norm(p[1].value)]  # fmt: skip
    top = max(hit, key=lambda p: p[1].version)
    if top[1].version != new.version:
        return  # reported once, on the newest released version
    versions = sorted(p[1].version for p in hit)
    listed = ", ".join(f"{a}.{b}" for a, b in versions)
    was = old.value or "unset (0)"
    now = new.value or "unset (0)"
    where = new.source or old.source
    restore = old.value or "0"
    via = old.via or new.via or "m->"
    stmt = f"    {via}{new.member} = {restore};"
    span = func_span(file_model(ctx, change.path, "new"), new.hook)
    draft = f"/* in {new.hook}(): keep what released versions had */\n{stmt}"
    edits = (D.insert_before(change.path, span[1], stmt),) if span is not None else ()
    yield Hit(
        message=(
            f"`{new.member}` of {new.family} machine versions {listed} changes from {was} to "
            f"{now} (through {where}() and the option chain): these versions were released "
            f"and must keep building the machine as before, or migration with an older QEMU "
            f"of the same machine type breaks"
        ),
        line=new.line if new.source else old.line,
        side="new" if new.source else "old",
        entity=f"{new.family}.{new.member}",
        path=change.path,
        fix_draft=draft,
        fix_edits=edits,
    )


def _versions(ctx: RuleContext, path: str, side: Side, family: str) -> list[tuple[int, int]]:
    """The versions of `family` whose option hooks the file defines on that side."""
    model = file_model(ctx, path, side)
    if model is None:
        return []
    return [fam[1] for fn in machine_hooks(model)
            if (fam := hook_family(fn)) is not None and fam[0] == family]  # fmt: skip
