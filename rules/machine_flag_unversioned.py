"""MIG056 machine-flag-unversioned: a migration flag for old versions misses an unversioned machine.

*What it flags*

A machine class flag about migration (its name says `migration`/`migrate`, such as
`smbus_no_migration_support`) that the change starts setting in the option hooks of versioned
machine types (`pc_i440fx_3_1_machine_options`, `pc_q35_machine_9_0_options`, ...), while a
machine type of the same board file without a version in its name (`xenfv`, `isapc`) has
options that neither set it nor call a hook that does.

*Why it breaks migration*

Such a flag keeps old machine types sending the stream they always sent; the machine types
that do not get it send the new one. A versioned machine is not the only kind users migrate
across QEMU versions: Xen saves and migrates its HVM guests with the unversioned `xenfv`
machine. Without the flag, `xenfv` on the new QEMU sends (and expects) the new stream and
an incoming migration from the previous QEMU fails.

*Example*

7fccf2a06890 ("boards.h: Ignore migration for SMBus devices on older machines") set
`m->smbus_no_migration_support = true` for pc-i440fx-3.1 and pc-q35-3.1 (and older), not for
`xenfv`; once the ACPI vmstate sent SMBus state, QEMU 3.x xenfv guests could not migrate to
QEMU 4.x. 9a709f06c870 fixed it with versioned `xenfv-4.2` / `xenfv-3.1` machine types whose
options chain the pc-i440fx ones.

*Instead*

Set the flag in the unversioned machine's options too, or define it as versioned machine
types chained to the versioned options like every other machine:

```c
static void xenfv_machine_options(MachineClass *m)
{
    m->smbus_no_migration_support = true;
    ...
}
```

*References*

- docs/devel/migration/compatibility.rst; hw/i386/pc_piix.c (`xenfv`, `isapc`)
- QEMU commits 7fccf2a06890 (fixed by 9a709f06c870)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.rulekit import drafts as D
from bot.rulekit.ctx import file_changes
from bot.rulekit.machines import FileFunctions, defined_machines, is_versioned_hook

RULE = RuleSpec(
    id="MIG056",
    name="machine-flag-unversioned",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="series",
    message="a migration flag set for old machine versions misses an unversioned machine type",
    fix_hint="set the flag in the unversioned machine's options too, or version that machine",
)

_MIGRATION_FLAG = re.compile(r"migrat", re.I)
_XEN = " (Xen saves and migrates its HVM guests with it across QEMU versions)"


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per unit (anchored on its first change), over every changed board file: a
    hook of the file and the unversioned machines of the same file are both needed, and
    the hook's file may have no entity change of its own."""
    if not ctx.changes or not (ctx.changes[0] is change or ctx.changes[0] == change):
        return
    files = file_changes(ctx)
    for fc in files:
        if fc.new is None or fc.new_path is None or not fc.new_path.endswith(".c"):
            continue
        new_m = next((m for p, _, m in ctx.models if p == fc.new_path and m is not None), None)
        if new_m is None:
            continue
        old_text = fc.old.decode("utf-8", "replace") if fc.old is not None else ""
        new = FileFunctions(fc.new.decode("utf-8", "replace"), new_m)
        old_written = FileFunctions.members_written_in(old_text)
        flags: dict[str, list[str]] = {}
        values: dict[str, str] = {}
        for fn in sorted(new.names(), key=lambda f: new.start(f) or 0):
            if not is_versioned_hook(fn):
                continue
            for member, value in new.writes(fn).items():
                if _MIGRATION_FLAG.search(member) and member not in old_written:
                    flags.setdefault(member, []).append(fn)
                    values.setdefault(member, value)
        if not flags:
            continue
        for machine in defined_machines(new_m, new.names()):
            if machine.versioned:
                continue
            reach = new.closure(machine.options)
            for flag, hooks in sorted(flags.items()):
                if any(flag in new.writes(f) for f in reach):
                    continue
                line = new.start(machine.options) or machine.line
                obj = new.first_param(machine.options) or "m"
                yield Hit(
                    message=(
                        f"'{flag}' is newly set by the option hooks of versioned machines "
                        f"({', '.join(hooks[:3])}{', ...' if len(hooks) > 3 else ''}), but "
                        f"machine '{machine.name}' ({machine.options}()) has no version, does "
                        "not chain into them and does not set it: it gets the new behaviour, "
                        f"so a VM started with '{machine.name}' on the previous QEMU cannot "
                        f"migrate to this one{_XEN if machine.name.startswith('xen') else ''}"
                    ),
                    line=line,
                    side="new",
                    entity=f"{machine.options}:{flag}",
                    path=fc.new_path,
                    fix_draft=f"    {obj}->{flag} = {values[flag]};",
                    fix_edits=(
                        D.sub_in(
                            fc.new_path,
                            line,
                            line + 1,
                            r"^\{\s*$",
                            "{\\n    "
                            + f"{obj}->{flag} = {values[flag]}".replace("\\", "\\\\")
                            + ";",
                        ),
                    ),
                )
