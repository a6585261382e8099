"""MIG060 machine-hook-global-write: a versioned machine's class options write a global variable

*What it flags*

An assignment to a global variable (not a member of the machine class, not a local) added
to the class-level option hook of one machine version: `<board>_machine_X_Y_class_options`,
`<board>_machine_X_Y_options` or `pc_<chipset>_X_Y_machine_options` — every hook that takes
the `MachineClass`.

*Why it breaks migration*

QEMU initialises the classes of all machine types when it starts (it lists them to find
the one asked for), so every versioned class hook runs in every QEMU process, whichever
machine type is used. A global written there is written for every machine type: the old
machine types' compat behaviour (a section not registered, a feature turned off) becomes
the behaviour of all of them, the newest included, and migration from an older QEMU of any
machine type fails. Per-version behaviour belongs in the machine class (`mc->` or the
board's class struct, read at init) or in the version's `instance_options` hook, which runs
only for the machine type actually created.

*Example*

```c
 static void ccw_machine_2_9_class_options(MachineClass *mc)
 {
-    s390mc->css_migration_enabled = false;
+    css_migration_enabled = false;
 }
```

*Instead*

Move the write into the version's `instance_options` hook (`ccw_machine_2_9_instance_options`),
or keep it a field of the machine class that init reads.

*References*

- docs/devel/migration/compatibility.rst (machine types and compat properties)
- a55ae46683f2 (css_migration_enabled written in ccw_machine_2_9_class_options: the "s390_css"
  section disappeared for every machine type), fixed by c76ee1f6255c (moved into
  ccw_machine_2_9_instance_options)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model import cscan
from bot.model.entities import FileModel
from bot.rulekit import drafts as D
from bot.rulekit.ctx import file_changes
from bot.rulekit.machines import FileFunctions, hook_version

RULE = RuleSpec(
    id="MIG060",
    name="machine-hook-global-write",
    severity=Severity.ERROR,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="series",
    message="a versioned machine's class options write a global variable",
    fix_hint=(
        "class hooks run for every machine type at startup: set it in the version's "
        "instance_options hook, or keep it a machine class field that init reads"
    ),
)

_MAX_LINES = 400  # option hooks are short; a longer "hook" is not scanned
# `name = value;` as a whole statement (not `a->b =`, not `a.b =`, not `==`)
_WRITE = re.compile(r"(?:^|[;{}])\s*([A-Za-z_]\w*)\s*=(?!=)\s*([^;{}]+);", re.M)
_DECL = (
    r"(?:^|[;{{(,])\s*(?:const\s+|static\s+|struct\s+|unsigned\s+)*\w+[\s*]+"
    r"{name}\s*(?:=|;|\[|,|\))"
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Once per unit (anchored on its first change; hooks are functions, not entities)."""
    if not ctx.changes or ctx.changes[0] is not change:
        return
    files = file_changes(ctx)
    for fc in files:
        if fc.new is None or fc.new_path is None:
            continue
        new_m = next((n for p, _, n in ctx.models if p == fc.new_path and n is not None), None)
        if new_m is None:
            continue
        old_m = next((o for p, o, _ in ctx.models if p == fc.new_path), None)
        old_text = fc.old.decode("utf-8", "replace") if fc.old is not None else ""
        yield from _file(fc.new_path, fc.new.decode("utf-8", "replace"), new_m,
                         old_text, old_m)  # fmt: skip


def _writes(body: str) -> list[tuple[str, str, int]]:
    """(name, value, 0-based line offset in body) of global-looking plain assignments in
    a definition whose comments are blanked (FileFunctions.text)."""
    clean = body
    brace = clean.find("{")
    if brace < 0:
        return []
    head, inner = clean[:brace], clean[brace:]
    out: list[tuple[str, str, int]] = []
    for m in _WRITE.finditer(inner):
        name = m.group(1)
        decl = re.compile(_DECL.format(name=re.escape(name)), re.M)
        if decl.search(inner) or re.search(rf"\b{re.escape(name)}\s*[,)]", head):
            continue  # a local or a parameter
        line = clean[: brace + m.start(1)].count("\n")
        out.append((name, cscan.norm(m.group(2)), line))
    return out


def _file(
    path: str, text: str, new_m: FileModel, old_text: str, old_m: FileModel | None
) -> Iterator[Hit]:
    new_f = FileFunctions(text, new_m)
    old_f = FileFunctions(old_text, old_m) if old_m is not None else None
    for fn, start, end in new_m.functions:
        hook = hook_version(fn)
        if hook is None or hook.instance or end - start > _MAX_LINES:
            continue  # not a class-level options hook, or too long to be one (untrusted input)
        had = {n for n, _, _ in _writes(old_f.text(fn))} if old_f is not None else set()
        for name, value, off in _writes(new_f.text(fn)):
            if name in had:
                continue
            line = start + off
            inst = f"{hook.stem}_instance_options"
            inst_span = new_f.span(inst)
            draft: str | None = None
            edits: tuple[DraftEdit, ...] = ()
            if inst_span is not None:
                stmt = f"    {name} = {value};"
                draft = (
                    f"/* in {fn}(): drop */\n/*     {name} = {value}; */\n"
                    f"{D.comment(f'in {inst}() (runs for this machine type only):')}"
                    f"\n{stmt}"
                )
                edits = (
                    DraftEdit(path, "replace", "", line=line, end_line=line),
                    DraftEdit(path, "insert", stmt, line=inst_span[1]),
                )
            yield Hit(
                message=(
                    f"{fn}() writes the global `{name}`: class hooks of every machine type "
                    f"run when QEMU starts, so `{name} = {value}` holds for all machine "
                    f"types, not only for {hook.version[0]}.{hook.version[1]} and older; "
                    f"older QEMUs of any "
                    f"machine type behave differently and migration between them breaks"
                ),
                line=line,
                side="new",
                entity=f"{fn}:{name}",
                path=path,
                fix_draft=draft,
                fix_edits=edits,
            )
