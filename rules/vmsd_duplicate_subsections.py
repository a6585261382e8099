"""MIG008 vmsd-duplicate-subsections: more than one .subsections initializer in a vmsd

*What it flags*

A `VMStateDescription` initializer with more than one `.subsections =` member, introduced by
the change (typically a rebase or a patch that adds a second list instead of extending the
existing one), and a `.subsections` list in which two subsections carry the same `.name`
(a copied subsection whose name was not changed). The severity holds on every board.

*Why it breaks migration*

C designated initializers let the last one win (compilers only warn with
`-Woverride-init`). Every subsection in the earlier list silently stops being sent and
loaded: older destinations miss state, and a stream from an older source that carries one of
the dropped subsections fails with "VM subsection '<name>' in '<parent>' does not exist"
(old→new). Two subsections with one name: the destination looks a subsection up by its
name in the list and finds the first one, so the second one's bytes are read with the first
one's layout.

*Example*

```c
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_fifo,
        NULL
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_foo_clock,
        NULL
    },
```

*Instead*

Keep one `.subsections` list and add the new subsection to it; give every subsection its
own `<parent name>/<what>` name.

*References*

- C11 6.7.9p19 (later designated initializer overrides earlier)
- migration/vmstate.c `vmstate_subsection_load`
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import Vmsd
from bot.rulekit import drafts as D
from bot.rulekit.ctx import Side, find_vmsd, find_vmsd_at
from bot.rulekit.vmsd import vmsd_change, vmsd_label

RULE = RuleSpec(
    id="MIG008",
    name="vmsd-duplicate-subsections",
    severity=Severity.ERROR,
    category=Category.VMSD_MALFORMED,
    confidence="high",
    scope="patch",
    message="more than one .subsections initializer in a vmsd",
    fix_hint="merge the lists into a single .subsections initializer",
    kinds=("vmsd",),
    any_reach=True,
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit when the change leaves a vmsd with several `.subsections =` members."""
    old, new = vmsd_change(change)
    if new is None:
        return
    yield from _same_names(ctx, old, new)
    if new.subsections_initializers <= 1:
        return
    if old is not None and old.subsections_initializers > 1:
        return  # pre-existing
    found = find_vmsd_at(ctx, new.c_name, "new")
    text, edits = D.merged_subsections(ctx, new, found[1] if found is not None else change.path)
    yield Hit(
        message=(
            f"vmsd '{vmsd_label(new)}' has {new.subsections_initializers} .subsections "
            "initializers: only the last one takes effect, the subsections of the others are "
            "never sent or loaded (old→new fails with \"VM subsection ... does not exist\" for "
            "streams that carry them)"
        ),
        line=new.line,
        side="new",
        entity=f"{new.c_name}.subsections",
        fix_draft=text,
        fix_edits=edits,
    )


def _dup_names(ctx: RuleContext, v: Vmsd, side: Side) -> dict[str, list[str]]:
    """Subsection names carried by more than one subsection of `v` -> their C names."""
    by_name: dict[str, list[str]] = {}
    for c_name in dict.fromkeys(v.subsections):
        sub = find_vmsd(ctx, c_name, side)
        if sub is not None and sub.name is not None:
            by_name.setdefault(sub.name, []).append(c_name)
    return {n: cs for n, cs in by_name.items() if len(cs) > 1}


def _same_names(ctx: RuleContext, old: Vmsd | None, new: Vmsd) -> Iterator[Hit]:
    before = _dup_names(ctx, old, "old") if old is not None else {}
    for name, c_names in _dup_names(ctx, new, "new").items():
        if name in before:
            continue  # pre-existing
        yield Hit(
            message=(
                f"subsections {', '.join(c_names)} of vmsd '{vmsd_label(new)}' share the name "
                f"'{name}': the destination finds a subsection by name and loads the second "
                "one's bytes with the first one's layout"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.subsections[{name}]",
            fix_hint="give each subsection its own '<parent name>/<what>' name",
        )
