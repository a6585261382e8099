"""MIG036 machine-compat-chain: a change breaks the options chain of versioned machine types.

*What it flags*

A versioned machine options function — `pc_q35_machine_11_0_options`,
`pc_i440fx_machine_11_0_options`, `virt_machine_11_0_options`,
`spapr_machine_11_0_class_options`, `ccw_machine_11_0_class_options` /
`..._instance_options`, and the pre-2017 spelling `pc_i440fx_2_3_machine_options` — that the
change leaves out of the chain: it does not call the options function of the next newer
version in the same file (a new version added above it, or an existing version that stopped
calling it, e.g. calling the unversioned `pc_i440fx_machine_options()` instead), or, for a
newly added version, the previous version (class/plain options only) does not add
`hw_compat_<previous>` with `compat_props_add()`. A link that was already missing before the
change is left alone.

*Why it breaks migration*

Each machine version is defined as "the next newer version, plus the compat properties of my
own release". When 10.2's options stop calling 11.0's, pseries-10.2 silently loses every
setting the newer versions make; without `compat_props_add(..., hw_compat_10_2, ...)` the
10.2 machine type gets 11.0 device defaults. Either way a VM started on QEMU 10.2 with the
10.2 machine type cannot migrate to the new QEMU (different guest-visible configuration).

*Example*

fddd179ab962 ("pc: Convert *_MACHINE_OPTIONS macros into functions") made
`pc_i440fx_2_3_machine_options()` call `pc_i440fx_machine_options()` instead of
`pc_i440fx_2_4_machine_options()`: pc-i440fx-2.0 to 2.3 lost their default display and
firmware (fixed by 4421c6a38a37). The right way to add a version: 231b4a035b ("hw: add
compat machines for 11.0") turned `DEFINE_VIRT_MACHINE_AS_LATEST(10, 2)` into
`DEFINE_VIRT_MACHINE(10, 2)`, added an empty `virt_machine_11_0_options()` marked
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
- QEMU commits 231b4a035b, fddd179ab962 (fixed by 4421c6a38a37)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import FileModel
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG036",
    name="machine-compat-chain",
    severity=Severity.ERROR,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="series",
    message="a versioned machine options function left out of the options chain",
    fix_hint="make each version's options call the next newer version's, add hw_compat_<prev>",
)

# `virt_machine_10_2_options`, `spapr_machine_2_3_class_options`; before 2017 the version
# came first: `pc_i440fx_2_3_machine_options`, `pc_q35_2_4_machine_options`.
_OPT = re.compile(
    r"^(?P<prefix>\w+?_)(?P<maj>\d+)_(?P<min>\d+)"
    r"(?P<suffix>_(?:machine_)?(?:class_|instance_)?options)$"
)

Version = tuple[int, int]


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per unit (anchored on its first change): check every versioned options chain.

    The anchor is the unit's first change because the file holding the options functions
    may have no entity change of its own (functions are not entities); every changed file
    of the unit is inspected.
    """
    if not ctx.changes or not (ctx.changes[0] is change or ctx.changes[0] == change):
        return
    for path, old_m, new_m in ctx.models:
        if new_m is not None:
            yield from _file(path, old_m, new_m)


def _families(m: FileModel) -> dict[tuple[str, str], dict[Version, tuple[str, int]]]:
    """(prefix, suffix) -> version -> (options function, its first line). Before 2015 the
    options were macros (`#define PC_I440FX_2_3_MACHINE_OPTIONS PC_I440FX_2_4_..., ...`):
    they count under the lower-case name of the function that replaced them."""
    out: dict[tuple[str, str], dict[Version, tuple[str, int]]] = {}
    named = [(fn, start) for fn, start, _ in m.functions]
    named += [(d.name.lower(), d.line) for d in m.defines if d.name.isupper()]
    for fn, start in named:
        mt = _OPT.match(fn)
        if mt:
            key = (mt.group("prefix"), mt.group("suffix"))
            by_ver = out.setdefault(key, {})
            by_ver.setdefault((int(mt.group("maj")), int(mt.group("min"))), (fn, start))
    return out


def _unchained(m: FileModel) -> dict[str, str]:
    """Options function -> the next newer version's, for each one that does not call it
    (an options macro: does not expand it)."""
    called = {(c.function, c.call) for c in m.calls if c.function is not None}
    for d in m.defines:
        if d.name.isupper() and _OPT.match(d.name.lower()):
            called |= {(d.name.lower(), w.lower()) for w in re.findall(r"\b[A-Z]\w*", d.raw)}
    out: dict[str, str] = {}
    for by_ver in _families(m).values():
        vers = sorted(by_ver)
        for older, newer in itertools.pairwise(vers):
            fn, nxt = by_ver[older][0], by_ver[newer][0]
            if (fn, nxt) not in called:
                out[fn] = nxt
    return out


def _file(path: str, old_m: FileModel | None, new_m: FileModel) -> Iterator[Hit]:
    old_fns = {f for f, _, _ in old_m.functions} if old_m is not None else set()
    was_unchained = _unchained(old_m) if old_m is not None else {}
    unchained = _unchained(new_m)
    new_fns = {f for f, _, _ in new_m.functions}
    for (prefix, suffix), by_ver in _families(new_m).items():
        vers = sorted(by_ver)
        for prev_ver, ver in itertools.pairwise(vers):
            prev, start = by_ver[prev_ver]
            fn = by_ver[ver][0]
            if prev not in new_fns:
                continue  # an options macro: no function body to put the call in
            prev_calls = [(c.call, ", ".join(c.args), c.line)
                          for c in new_m.calls if c.function == prev]  # fmt: skip
            missing: list[str] = []
            edits: list[DraftEdit] = []
            draft_lines: list[str] = []
            arg = _param(new_m, by_ver, suffix)
            if unchained.get(prev) == fn and was_unchained.get(prev) != fn:
                # the chain is broken here by this change: a newly added version the previous
                # one does not call, or an existing version that stopped calling the next
                base = next(
                    ((callee, line) for callee, _, line in prev_calls
                     if callee != prev and _same_family(callee, prefix, suffix)),
                    None,
                )  # fmt: skip
                if base is not None:
                    missing.append(f"{prev}() calls {base[0]}() instead of {fn}()")
                    draft_lines.append(f"    {fn}({arg}); /* not {base[0]}() */")
                    edits.append(D.sub_in(path, base[1], base[1], rf"\b{base[0]}\s*\(", f"{fn}("))
                else:
                    missing.append(f"{prev}() does not call {fn}()")
                    draft_lines.append(f"    {fn}({arg});")
            if fn not in old_fns and suffix != "_instance_options" and "_machine_" in prefix:
                arr = f"hw_compat_{prev_ver[0]}_{prev_ver[1]}"
                if not any(callee == "compat_props_add" and arr in args
                           for callee, args, _ in prev_calls):  # fmt: skip
                    missing.append(f"{prev}() does not add {arr}")
                    draft_lines.append(f"    compat_props_add(mc->compat_props, {arr}, {arr}_len);")
            if not missing:
                continue
            inserted = [ln for ln in draft_lines if "/* not " not in ln]
            if inserted:
                body = "\\n".join(ln.replace("\\", "\\\\") for ln in inserted)
                edits.append(D.sub_in(path, start, start + 1, r"^\{\s*$", "{\\n" + body))
            yield Hit(
                message=(
                    f"machine options chain broken: {'; '.join(missing)} — the "
                    f"{prev_ver[0]}.{prev_ver[1]} machine type (and every older one chained to "
                    f"it) then loses what {ver[0]}.{ver[1]} and newer set up, or gets their "
                    f"defaults, and migration from QEMU {prev_ver[0]}.{prev_ver[1]} breaks"
                ),
                line=start,
                side="new",
                entity=f"{prev}",
                path=path,
                fix_draft="\n".join(draft_lines),
                fix_edits=tuple(sorted(edits, key=lambda e: e.line or 0)),
            )


def _param(m: FileModel, by_ver: dict[Version, tuple[str, int]], suffix: str) -> str:
    """What the family's options functions pass down their chain (`mc`, `m`, `machine`)."""
    fns = {fn for fn, _ in by_ver.values()}
    for c in m.calls:
        if c.function in fns and c.call in fns and c.args:
            return c.args[0]
    return "machine" if suffix == "_instance_options" else "mc"


def _same_family(callee: str, prefix: str, suffix: str) -> bool:
    """Whether `callee` is an options function of the family (the unversioned base
    `pc_i440fx_machine_options`, or another version)."""
    if _OPT.match(callee):
        mt = _OPT.match(callee)
        return mt is not None and (mt.group("prefix"), mt.group("suffix")) == (prefix, suffix)
    stem = prefix.rstrip("_")
    return callee.startswith(stem) and callee.endswith(suffix.lstrip("_"))
