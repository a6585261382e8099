"""MIG036 machine-compat-chain: a new versioned machine type breaks the options chain.

*What it flags*

A newly added versioned machine options function — `pc_q35_machine_11_0_options`,
`pc_i440fx_machine_11_0_options`, `virt_machine_11_0_options`,
`spapr_machine_11_0_class_options`, `ccw_machine_11_0_class_options` /
`..._instance_options` — where the options function of the previous version in the same file
(`..._10_2_...`) does not call the new one, or (class/plain options only) does not add
`hw_compat_<previous>` with `compat_props_add()`.

*Why it breaks migration*

Each machine version is defined as "the next newer version, plus the compat properties of my
own release". When 10.2's options stop calling 11.0's, pseries-10.2 silently loses every
setting the newer versions make; without `compat_props_add(..., hw_compat_10_2, ...)` the
10.2 machine type gets 11.0 device defaults. Either way a VM started on QEMU 10.2 with the
10.2 machine type cannot migrate to the new QEMU (different guest-visible configuration).

*Example*

231b4a035b ("hw: add compat machines for 11.0") turned `DEFINE_VIRT_MACHINE_AS_LATEST(10, 2)`
into `DEFINE_VIRT_MACHINE(10, 2)`, added an empty `virt_machine_11_0_options()` marked
`AS_LATEST`, and made `virt_machine_10_2_options()` call it and add `hw_compat_10_2`.

*Instead*

```c
static void virt_machine_10_2_options(MachineClass *mc)
{
    virt_machine_11_0_options(mc);
    compat_props_add(mc->compat_props, hw_compat_10_2, hw_compat_10_2_len);
}
```

*References*

- hw/core/machine.c (`hw_compat_X_Y`); the versioned machine options in hw/i386/pc_q35.c,
  hw/i386/pc_piix.c, hw/arm/virt.c, hw/ppc/spapr.c, hw/s390x/s390-virtio-ccw.c
- QEMU commit 231b4a035b
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG036",
    name="machine-compat-chain",
    severity=Severity.ERROR,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="series",
    message="new machine version breaks the compat options chain",
    fix_hint="make the previous version's options call the new one and add hw_compat_<prev>",
)

_OPT = re.compile(
    r"^(?P<prefix>\w+?_machine_)(?P<maj>\d+)_(?P<min>\d+)(?P<suffix>_(?:class_|instance_)?options)$"
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per unit (anchored on its first change): check every newly added version.

    The anchor is the unit's first change because the file holding the options functions
    may have no entity change of its own (functions are not entities); every changed file
    of the unit is inspected.
    """
    if not ctx.changes or not (ctx.changes[0] is change or ctx.changes[0] == change):
        return
    for path, old_m, new_m in ctx.models:
        if new_m is not None:
            yield from _file(ctx, path, old_m, new_m)


def _file(ctx: RuleContext, path: str, old_m: FileModel | None, new_m: FileModel) -> Iterator[Hit]:
    old_fns = {f for f, _, _ in old_m.functions} if old_m is not None else set()
    versioned: dict[tuple[str, str], dict[tuple[int, int], str]] = {}
    spans: dict[str, int] = {}
    for fn, start, _ in new_m.functions:
        m = _OPT.match(fn)
        if m:
            key = (m.group("prefix"), m.group("suffix"))
            versioned.setdefault(key, {})[(int(m.group("maj")), int(m.group("min")))] = fn
            spans[fn] = start
    for (_prefix, suffix), by_ver in versioned.items():
        for ver, fn in sorted(by_ver.items()):
            if fn in old_fns:
                continue
            older = [v for v in by_ver if v < ver]
            if not older:
                continue
            prev_ver = max(older)
            prev = by_ver[prev_ver]
            prev_calls = [(c.call, ", ".join(c.args)) for c in new_m.calls if c.function == prev]
            missing: list[str] = []
            if not any(callee == fn for callee, _ in prev_calls):
                missing.append(f"{prev}() does not call {fn}()")
            arr = f"hw_compat_{prev_ver[0]}_{prev_ver[1]}"
            if suffix != "_instance_options" and not any(
                callee == "compat_props_add" and arr in args for callee, args in prev_calls
            ):
                missing.append(f"{prev}() does not add {arr}")
            if not missing:
                continue
            arg = "machine" if suffix == "_instance_options" else "mc"
            draft_lines = [f"    {fn}({arg});"]
            if suffix != "_instance_options":
                draft_lines.append(f"    compat_props_add(mc->compat_props, {arr}, {arr}_len);")
            start = spans.get(prev, 1)
            body = "\\n".join(ln.replace("\\", "\\\\") for ln in draft_lines)
            edits = (D.sub_in(path, start, start + 1, r"^\{\s*$", "{\\n" + body),)
            yield Hit(
                message=(
                    f"new machine options {fn}() added but the chain is broken: "
                    f"{'; '.join(missing)} — the {prev_ver[0]}.{prev_ver[1]} machine type then "
                    f"gets the new defaults and migration from QEMU {prev_ver[0]}."
                    f"{prev_ver[1]} breaks"
                ),
                line=spans.get(prev, 1),
                side="new",
                entity=f"{prev}",
                path=path,
                fix_draft="\n".join(draft_lines),
                fix_edits=edits,
            )
