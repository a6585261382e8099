"""MIG008 vmsd-duplicate-subsections: more than one .subsections initializer in a vmsd

*What it flags*

A `VMStateDescription` initializer with more than one `.subsections =` member, introduced by
the change (typically a rebase or a patch that adds a second list instead of extending the
existing one).

*Why it breaks migration*

C designated initializers let the last one win (compilers only warn with
`-Woverride-init`). Every subsection in the earlier list silently stops being sent and
loaded: older destinations miss state, and a stream from an older source that carries one of
the dropped subsections fails with "VM subsection '<name>' in '<parent>' does not exist"
(old→new).

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

Keep one `.subsections` list and add the new subsection to it.

*References*

- C11 6.7.9p19 (later designated initializer overrides earlier)
- migration/vmstate.c `vmstate_subsection_load`
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
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
    if new is None or new.subsections_initializers <= 1:
        return
    if old is not None and old.subsections_initializers > 1:
        return  # pre-existing
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
    )
