"""MIG031 compat-entry-wrong-array: a new compat entry goes into an array other than the newest.

*What it flags*

An entry added to a versioned compat array (`hw_compat_X_Y`, `pc_compat_X_Y`,
`spapr_compat_X_Y`, ...) whose version is not the newest one. The newest version is derived
from `VERSION` exactly as MIG030 documents (`10.2.50` → `hw_compat_10_2`). Entries that only
move between arrays together with a matching removal are not reported.

*Why it breaks migration*

`hw_compat_X_Y` is applied by every machine type ≤ X.Y. An entry in an older array (say
`hw_compat_9_0` while 10.2 is the last release) leaves the machine types in between (9.1 …
10.2) with the new behaviour, so migrating them from the release that had the old behaviour
breaks. An entry in a newer array than the newest gives the current machine type the old
behaviour.

*Example*

A series developed for 10.2 that changes a default and is rebased onto the 11.0 development
tree without moving its `{ "foo", "bar", "off" }` from `hw_compat_10_1` to `hw_compat_10_2`.

*Instead*

Put the entry into the newest array. Exception: fixing a break that already shipped (e.g.
5ed3dabe57 put `x-pcie-err-unc-mask` into `hw_compat_7_2` for the break 010746ae1d shipped in
8.0) — then say so in the commit message; this is why the rule is a warning. When the unit
adds only the entry (it neither adds the property nor changes its default, like
bad9c5a516 and 62bdb88715), it is most likely such a mitigation and the finding is a note.

*References*

- docs/devel/migration/compatibility.rst, "How backwards compatibility works"; hw/core/machine.c
  (`hw_compat_X_Y`)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import CompatArray, Property
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.compat import next_release

RULE = RuleSpec(
    id="MIG031",
    name="compat-entry-wrong-array",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="high",
    scope="patch",
    message="compat entry added to an array other than the newest hw_compat_X_Y",
    fix_hint="move the entry to the newest hw_compat_X_Y array",
    kinds=("compat_array",),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report entries added to a compat array that is not the newest one."""
    if change.kind != "compat_array" or not isinstance(change.new, CompatArray):
        return
    arr = change.new
    ver = C.array_version(arr)
    newest = C.compat_target(ctx)
    if ver is None or newest is None or ver == newest:
        return
    added = [
        ea for ea in C.added_entries(ctx) if ea.array.name == arr.name and ea.path == change.path
    ]
    removed = {
        (C.entry_driver(ea.entry), C.entry_property(ea.entry)) for ea in C.removed_entries(ctx)
    }
    # Function-local arrays are named "<function>:<array>" by the model.
    scope, _, local = arr.name.rpartition(":")
    prefix = local.rsplit("_", 2)[0]
    target = C.compat_name(newest, prefix)
    where = f"{target}[] in the {newest[0]}.{newest[1]} machine options" if scope else target

    for ea in added:
        e = ea.entry
        if (C.entry_driver(e), C.entry_property(e)) in removed:
            continue  # moved between arrays deliberately
        older = ver < newest
        nxt = next_release(ver) or ver
        # Without a default change of that property in the unit, the entry most likely
        # mitigates a change that already shipped (bad9c5a516, 62bdb88715): say it softly.
        mitigation = older and not _changes_property(ctx, C.entry_property(e))
        moved = C.compat_line(C.entry_driver(e), C.entry_property(e),
                              e.value or K.norm(e.value_expr).strip('"'))  # fmt: skip
        yield Hit(
            message=(
                f"entry for '{C.entry_driver(e)}.{C.entry_property(e)}' added to {local}, "
                f"but the newest array is {where}: "
                + (
                    "the new behaviour still reaches "
                    + _span(nxt, newest)
                    + ", breaking migration from the release that had the old one"
                    if older
                    else "the current machine type would get the old behaviour"
                )
            ),
            line=e.line,
            side="new",
            entity=f"{arr.name}[{C.entry_driver(e)}.{C.entry_property(e)}]",
            fix_draft=f"/* move to {target}[] */\n    {moved}",
            fix_edits=(
                D.replace_entry(change.path, e.line, ""),
                DraftEdit(D.compat_path(ctx, target), "array", f"    {moved}", anchor=target),
            ),
            confidence="low" if mitigation else ("high" if older else "medium"),
            severity=Severity.NOTE if mitigation else None,
            fix_hint=(
                "fine if the behaviour change already shipped in "
                f"{nxt[0]}.{nxt[1]}; otherwise move the entry to {target}"
                if mitigation
                else None
            ),
        )


def _span(a: tuple[int, int], b: tuple[int, int]) -> str:
    """ "machine types 9.1 … 10.2" or "machine type 10.2"."""
    if a >= b:
        return f"machine type {b[0]}.{b[1]}"
    return f"machine types {a[0]}.{a[1]} … {b[0]}.{b[1]}"


def _changes_property(ctx: RuleContext, prop: str) -> bool:
    """Whether the unit adds a property of that name or changes its default."""
    for ch in ctx.changes:
        if ch.kind != "property" or not isinstance(ch.new, Property):
            continue
        name = ch.new.name or ch.new.name_expr.strip('"')
        if name != prop:
            continue
        if ch.op == "added" or (isinstance(ch.old, Property) and ch.old.default != ch.new.default):
            return True
    return False
