"""MIG032 compat-entry-unknown-target: a compat entry that does not hit what it means to.

*What it flags*

For entries a series adds to a compat array (`hw_compat_X_Y`, `pc_compat_X_Y`, ...):

- the driver names a QOM type that does not exist (deleted or renamed in the same series, or
  unknown to the whole tree when a tree index is available);
- the property does not exist on that type (removed or renamed in the same series, or no
  such `DEFINE_PROP_*` on the type, its parents or subtypes while a near-identical name does
  exist — a typo);
- the driver is a subtype while the property is defined on a base type that has other
  concrete subtypes: only the named subtype gets the old value (warning);
- the driver is a concrete type while the property is defined only on one of its subtypes
  (`vfio-pci` for a property of `vfio-pci-nohotplug`): plain instances of the driver lack
  it, so applying the entry aborts QEMU on old machine types (unless the entry is optional).

Without a tree index only facts visible in the changed files are used and the rule stays
quiet when unsure (generated types such as `*-transitional` virtio aliases, CPU and accel
types are never reported as unknown).

*Why it breaks migration*

Machine compat properties are matched with `object_dynamic_cast` on the driver name. An entry
naming a type that does not exist silently applies to nothing, so old machine types get the
new behaviour and migration breaks exactly as if the entry were missing. A missing property
on an existing type aborts QEMU at start-up (`&error_abort`) unless the entry is optional.

*Example*

9ea02e8f1 changed virtio-rng-pci's vectors; bad9c5a516 added
`{ "virtio-rng-pci", "vectors", "0" }`, but the `-transitional`/`-non-transitional` aliases are
distinct types and kept the new value until 62bdb88715 added them too.

*Instead*

Name the type that defines the property (the base type covers every subtype), or list every
concrete type and alias; use the exact property name.

*References*

- docs/devel/migration/compatibility.rst, "How backwards compatibility works"; qom/object.c
  `object_apply_global_props()`
- QEMU commits bad9c5a516, 62bdb88715
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import CompatArray, TypeInfo
from bot.rulekit import compat as C
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D

RULE = RuleSpec(
    id="MIG032",
    name="compat-entry-unknown-target",
    severity=Severity.WARNING,
    category=Category.COMPAT_PROPERTY_MISSING,
    confidence="medium",
    scope="patch",
    message="compat entry names a type or property that does not exist",
    fix_hint="name an existing type (the base type that defines the property) and property",
    kinds=("compat_array",),
)

_GENERATED = re.compile(r"(-transitional|-non-transitional|-cpu|-accel|-machine|-backend)$")
_NON_QOM_DRIVERS = frozenset({"migration"})  # fine if the tree does not index it


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Report added compat entries whose driver/property cannot be what they are meant to be."""
    if change.kind != "compat_array" or not isinstance(change.new, CompatArray):
        return
    for ea in C.added_entries(ctx):
        if ea.array.name != change.new.name or ea.path != change.path:
            continue
        yield from _entry(ctx, change, ea)


def _type(ctx: RuleContext, side: K.Side, driver: str) -> TypeInfo | None:
    expr = driver if re.fullmatch(r"[A-Z_][A-Z0-9_]*", driver) else None
    return K.find_type(ctx, side, None if expr else driver, expr)


def _props(ctx: RuleContext, side: K.Side, t: TypeInfo) -> set[str] | None:
    """Property names the type's own class_init installs (None when unknown)."""
    ci = K.class_init_of(ctx, side, t.class_init)
    if ci is not None:
        arrays = set(ci.props)
        return {
            p.name or K.norm(p.name_expr).strip('"')
            for _, m in K.models(ctx, side)
            for p in m.properties
            if p.array in arrays
        }
    tv = K.tree(ctx, side)
    if tv is not None and t.name:
        return {p.name or K.norm(p.name_expr).strip('"') for p in tv.properties_of_type(t.name)}
    return None


def _similar(a: str, b: str) -> bool:
    na, nb = a.replace("_", "-").lower(), b.replace("_", "-").lower()
    if na == nb:
        return True
    if abs(len(na) - len(nb)) > 2:
        return False
    # Levenshtein distance <= 2, small strings only.
    prev = list(range(len(nb) + 1))
    for i, ca in enumerate(na, 1):
        cur = [i]
        for j, cb in enumerate(nb, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def _subtype_fix(
    ea: C.EntryAt, holders: list[str], prop: str, value: str
) -> tuple[str, tuple[DraftEdit, ...]]:
    """fix_draft and fix_edits for an entry whose property only subtypes have: the entry
    names those subtypes instead (dropped when the array has their entries already)."""
    have = {C.entry_driver(x) for x in ea.array.entries if C.entry_property(x) == prop}
    lines = [C.compat_line(h, prop, value) for h in holders if h not in have]
    text = "\n".join(f"    {ln}" for ln in lines)
    draft = (f"/* in {ea.array.name}[]: */\n{text}" if lines else
             f"/* remove it: {ea.array.name}[] has the entries of {', '.join(holders)} */")
    return draft, (D.replace_entry(ea.path, ea.entry.line, text),)


def _entry(ctx: RuleContext, change: EntityChange, ea: C.EntryAt) -> Iterator[Hit]:
    e = ea.entry
    driver, prop = C.entry_driver(e), C.entry_property(e)
    entity = f"{ea.array.name}[{driver}.{prop}]"
    t = _type(ctx, "new", driver)
    if t is None:
        told = _type(ctx, "old", driver)
        gone_in_series = told is not None and any(
            ch.kind == "type" and ch.op == "removed" and ch.old == told for ch in ctx.changes
        )
        if gone_in_series:
            yield Hit(
                message=(
                    f"compat entry names type '{driver}', which this series deletes or "
                    f"renames: the entry applies to nothing and old machine types get the new "
                    f"behaviour"
                ),
                line=e.line,
                side="new",
                entity=entity,
                confidence="high",
            )
        elif (
            ctx.new_tree is not None
            and not _GENERATED.search(driver)
            and driver not in _NON_QOM_DRIVERS
            and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", driver)
        ):
            yield Hit(
                message=(
                    f"compat entry names type '{driver}', which no TypeInfo in the tree "
                    f"registers: it silently applies to nothing"
                ),
                line=e.line,
                side="new",
                entity=entity,
                confidence="medium",
            )
        return

    own = _props(ctx, "new", t)
    old_t = _type(ctx, "old", driver)
    old_own = _props(ctx, "old", old_t) if old_t is not None else None
    if own is not None and prop in own:
        return
    if own is not None and old_own is not None and prop in old_own:
        yield Hit(
            message=(
                f"compat entry sets '{driver}.{prop}', a property this series removes or "
                f"renames: QEMU aborts when applying it (or, if optional, it does nothing)"
            ),
            line=e.line,
            side="new",
            entity=entity,
            confidence="high",
        )
        return

    # Walk the parents: is the property defined on a base type?
    seen: set[str] = set()
    cur: TypeInfo | None = t
    base: TypeInfo | None = None
    while cur is not None and (cur.name or cur.c_name) not in seen:
        seen.add(cur.name or cur.c_name)
        parent = K.find_type(ctx, "new", cur.parent, cur.parent_expr)
        if parent is None:
            break
        pp = _props(ctx, "new", parent)
        if pp is not None and prop in pp:
            base = parent
            break
        cur = parent
    if base is not None:
        siblings = sorted(
            n
            for n in C.descendant_names(ctx, [base])
            if n not in _names(t) and not _abstract(ctx, n)
        )
        # Subtypes of the named driver inherit the entry; drop them, and the types the
        # array's other entries for the same property name (with their subtypes): one
        # entry per concrete type covers them all together (virtio-balloon-pci,
        # -transitional, -non-transitional in hw_compat_9_2).
        below = C.descendant_names(ctx, [t])
        others = [
            x
            for x in ea.array.entries
            if x is not e and C.entry_property(x) == prop
        ]
        covered = {C.entry_driver(x) for x in others}
        for x in others:
            ot = _type(ctx, "new", C.entry_driver(x))
            if ot is not None:
                covered |= _names(ot) | C.descendant_names(ctx, [ot])
        siblings = [s for s in siblings if s not in below and s not in covered]
        if siblings:
            bname = base.name or K.norm(base.name_expr)
            yield Hit(
                message=(
                    f"'{prop}' is defined on base type '{bname}', but the entry names only "
                    f"the subtype '{driver}': {', '.join(siblings)} keep the new value, so "
                    f"their migration from old machine types still breaks"
                ),
                line=e.line,
                side="new",
                entity=entity,
                fix_draft=(fixed := C.compat_line(bname, prop,
                                                  e.value or K.norm(e.value_expr).strip('"'))),
                fix_edits=(D.replace_entry(ea.path, e.line, f"    {fixed}"),),
            )
        return

    if own is not None and not e.optional and not t.abstract:
        holders = _subtypes_defining(ctx, t, prop)
        if holders:
            fix = _subtype_fix(ea, holders, prop, e.value or K.norm(e.value_expr).strip('"'))
            yield Hit(
                message=(
                    f"'{prop}' is defined only on subtype(s) {', '.join(holders)} of "
                    f"'{driver}': the entry also applies to plain '{driver}' devices, which "
                    f"lack the property, so QEMU aborts applying it on the old machine types "
                    f"(and the subtype's old value is what was meant)"
                ),
                line=e.line,
                side="new",
                entity=entity,
                confidence="high",
                fix_draft=fix[0],
                fix_edits=fix[1],
            )
            return

    if own:
        near = sorted(p for p in own if p != prop and _similar(p, prop))
        if near:
            yield Hit(
                message=(
                    f"'{driver}' has no property '{prop}' (did you mean '{near[0]}'?): QEMU "
                    f"aborts applying the entry, or ignores it when optional"
                ),
                line=e.line,
                side="new",
                entity=entity,
                severity=Severity.WARNING,
                confidence="medium",
                fix_draft=(fixed := C.compat_line(driver, near[0],
                                                  e.value or K.norm(e.value_expr).strip('"'))),
                fix_edits=(D.replace_entry(ea.path, e.line, f"    {fixed}"),),
            )


def _subtypes_defining(ctx: RuleContext, t: TypeInfo, prop: str) -> list[str]:
    """Concrete or abstract subtypes of `t` whose own class_init installs `prop`."""
    out: list[str] = []
    for n in sorted(C.descendant_names(ctx, [t])):
        expr = n if re.fullmatch(r"[A-Z_][A-Z0-9_]*", n) else None
        sub = K.find_type(ctx, "new", None if expr else n, expr)
        if sub is None:
            continue
        pp = _props(ctx, "new", sub)
        if pp is not None and prop in pp:
            out.append(sub.name or n)
    return out


def _names(t: TypeInfo) -> set[str]:
    out: set[str] = set()
    if t.name:
        out.add(t.name)
    if t.name_expr:
        out.add(K.norm(t.name_expr))
    return out


def _abstract(ctx: RuleContext, name: str) -> bool:
    expr = name if re.fullmatch(r"[A-Z_][A-Z0-9_]*", name) else None
    t = K.find_type(ctx, "new", None if expr else name, expr)
    return t is not None and t.abstract
