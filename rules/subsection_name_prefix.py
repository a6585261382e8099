"""MIG009 subsection-name-prefix: subsection name does not start with '<parent name>/'

*What it flags*

A subsection whose `.name` does not start with its parent's name followed by `/`
(`"foo/clock"` for parent `"foo"`), for subsections the change added to a list, renamed, or
whose parent it renamed. A name that does not even start with the parent's name is an error;
one that starts with it but lacks the `/` separator is a note (house style, and fragile:
`"foo"` is also a prefix of `"foobar/x"`).

*Why it breaks migration*

The destination reads subsections only while the incoming name starts with the parent's
name; a subsection that does not is left in the stream for the caller, which then fails to
parse the section ("Missing section footer" / unknown section). QEMU only asserts the
prefix under qtest (`vmstate_check`), so a build without tests does not notice.

*Example*

```c
static const VMStateDescription vmstate_foo_clock = {
    .name = "clock",
    ...
};
```

*Instead*

Name every subsection `"<parent name>/<what it carries>"`.

*References*

- migration/vmstate.c `vmstate_subsection_load` (prefix check)
- migration/savevm.c `vmstate_check`
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd
from bot.rulekit import drafts as D
from bot.rulekit.ctx import find_vmsd_at
from bot.rulekit.vmsd import changed_vmsd_keys, vmsd_change, vmsd_uses

RULE = RuleSpec(
    id="MIG009",
    name="subsection-name-prefix",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="subsection name does not start with '<parent name>/'",
    fix_hint="name the subsection \"<parent name>/<what it carries>\"",
    kinds=("vmsd",),
)


def _hit(parent: Vmsd, sub: Vmsd, line: int, path: str) -> Hit | None:
    pname, sname = parent.name, sub.name
    if pname is None or sname is None:
        return None
    if sname.startswith(pname + "/"):
        return None
    if sname.startswith(pname):
        return Hit(
            message=(
                f"subsection '{sname}' of '{pname}' is not named '{pname}/...': the loader "
                "only checks the prefix, but without the '/' another section's subsections can "
                "match it"
            ),
            line=line,
            side="new",
            entity=f"{sub.c_name}.name",
            severity=Severity.NOTE,
            fix_hint=f"rename it to \"{pname}/{sname[len(pname):].lstrip('-_.')}\"",
        )
    return Hit(
        message=(
            f"subsection '{sname}' of '{pname}' does not start with '{pname}/': the "
            "destination never loads it and fails to parse the rest of the section "
            "(both directions, whenever it is sent)"
        ),
        line=line,
        side="new",
        entity=f"{sub.c_name}.name",
        fix_draft=f'    .name = "{pname}/{sname.split("/")[-1]}",',
        fix_edits=(
            D.replace_line(path, sub.line, f'    .name = "{pname}/{sname.split("/")[-1]}",',
                           pattern=r"^\s*\.name\s*=", end_line=sub.end_line),
        ),
    )


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for badly named subsections the change introduced."""
    old, new = vmsd_change(change)
    if new is None:
        return
    reported: set[str] = set()
    # As a parent: newly listed subsections, or all of them when the parent was renamed.
    renamed_parent = old is not None and old.name != new.name
    for c in new.subsections:
        if old is not None and c in old.subsections and not renamed_parent:
            found_old = find_vmsd_at(ctx, c, "old")
            found_new = find_vmsd_at(ctx, c, "new")
            if found_old is None or found_new is None:
                continue
            if found_old[0].name == found_new[0].name:
                continue  # unchanged; a rename is handled below when that vmsd changed
        found = find_vmsd_at(ctx, c, "new")
        if found is None:
            continue
        sub, path = found
        line = sub.line if path == change.path else new.line
        h = _hit(new, sub, line, path)
        if h is not None:
            reported.add(sub.c_name)
            yield h
    # As a subsection: renamed (or newly defined) under a parent this unit does not change;
    # a changed parent reports it from its own side above.
    if old is not None and old.name == new.name:
        return
    changed = changed_vmsd_keys(ctx)
    for parent in vmsd_uses(ctx, new.c_name, "new").subsection_of:
        if new.c_name in reported or parent.c_name in changed:
            continue
        h = _hit(parent, new, new.line, change.path)
        if h is not None:
            yield h
