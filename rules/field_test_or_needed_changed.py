"""MIG015 field-test-or-needed-changed: .needed or _TEST logic of an existing vmsd changed

*What it flags*

Changes to the logic that decides what is on the wire, on an existing description:
- `.needed` removed from, added to, or switched to another function on a subsection or a
  section;
- a `_TEST(fn)` predicate added to, removed from or changed on an existing field;
- the `_V(n)` gate of an existing field changed;
- the body of an existing `.needed` or `_TEST` function changed while the vmsd still uses it
  (also when the function is defined in another file than the vmsd): the finding says what
  it now returns or calls. Renames, comments, logging, casts written another way and the
  CPU's `env` reached another way (`env = &cpu->env; env->x`, `cpu->env.x`, a member moved
  to the CPU class) are quiet; new logic that tests a device property or a machine compat
  flag is a note.
These are not always wrong, so the rule asks for a look rather than blocking (warning for
removals and changed predicates, note when `.needed` is added). Also a note: a `.needed`
switched to one that still asks the old function and is otherwise true only where a
boolean device property is on (`return ais_needed(opaque) || s->migrate_all_state;`,
c1991c098424), and a `_TEST` added to a field of that (sub)section that only asks the old
`.needed` (the field is in every stream older QEMU sent the (sub)section with).

*Why it breaks migration*

Source and destination must agree, for every stream, on whether a field or subsection is
present. A subsection that loses `.needed` is sent always, and an older destination that
does not know it fails with "VM subsection ... does not exist" (new→old). A `_TEST` added to
an existing field makes the destination skip bytes an older source still sends, unless the
predicate is tied to a compat property that keeps old machine types sending it (and vice
versa when a `_TEST` is removed). Changing a field's `_V` gate moves the version from which
it is expected.

*Example*

```c
 static const VMStateDescription vmstate_foo_fifo = {
     .name = "foo/fifo",
-    .needed = foo_fifo_needed,
```

*Instead*

Tie presence decisions to a device property that the previous release's `hw_compat_X_Y`
array sets to the old behaviour, and compute `.needed` / `_TEST` from that property only, so
both sides decide identically (docs/devel/migration/main.rst, "Not sending existing
elements").

*References*

- docs/devel/migration/main.rst, "Subsections", "Not sending existing elements"
- 5fb7d14995 (e1000e `migrate-timadj` `_TEST`), 40a23ef643 (virtio-gpu `_TEST`)
- 990e0be26035 (`msr_smi_count_needed` tied to `migrate_smi_count` for old machine types)
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import VmstateField
from bot.rulekit.ctx import is_dummy_vmsd
from bot.rulekit.hooks import (
    PRESENCE_ROLES,
    body_change,
    describe,
    gating_member,
    hook_uses,
    only_macro_renames,
    property_members,
    vmsd_list,
)
from bot.rulekit.presence import asks_old_needed, widened_needed
from bot.rulekit.vmsd import (
    field_entity,
    field_label,
    function_facts,
    label_list,
    renamed_function,
    vmsd_change,
    vmsd_label,
    vmsd_uses,
    wire_reset,
)

RULE = RuleSpec(
    id="MIG015",
    name="field-test-or-needed-changed",
    severity=Severity.WARNING,
    category=Category.NEEDED_OR_TEST_LOGIC,
    confidence="medium",
    scope="patch",
    message=".needed or _TEST logic of an existing vmsd changed",
    fix_hint=(
        "make the presence decision depend on a compat property so that old machine types "
        "keep the old wire format"
    ),
    kinds=("vmsd", "hook_body"),
)


def _body_hits(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """A hit for a changed body of a `.needed` or `_TEST` function an existing vmsd uses."""
    pair = body_change(change)
    if pair is None:
        return
    old, new = pair
    uses = [u for u in hook_uses(ctx, change, PRESENCE_ROLES) if not is_dummy_vmsd(u.vmsd)]
    if not uses or only_macro_renames(old, new):
        return
    roles = list(dict.fromkeys(u.role for u in uses))
    what = " and ".join(".needed" if r == "needed" else "_TEST predicate" for r in roles)
    gate = gating_member(old, new, property_members(ctx, uses))
    if gate is not None:
        tail = (
            f"the new logic tests '{gate}', so machine types that turn it off keep the old "
            "answer: check that the previous release's compat array does"
        )
    else:
        tail = (
            "the subsection or field must still be sent exactly when older QEMU on the same "
            "machine type sent it, or older destinations fail to load the stream (tie a new "
            "condition to a compat property)"
        )
    u = uses[0]
    yield Hit(
        message=(
            f"{what} {new.name}() of {vmsd_list(uses)} changed: {describe(old, new)}; {tail}"
        ),
        line=new.line,
        side="new",
        entity=f"{u.vmsd.c_name}.{u.role}[{new.name}]",
        severity=Severity.NOTE if gate is not None else None,
    )


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for changed .needed hooks and field gates of an existing vmsd, and for
    changed bodies of the .needed/_TEST functions it uses."""
    if change.kind == "hook_body":
        yield from _body_hits(change, ctx)
        return
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if wire_reset(ctx, old, new):
        return  # every old stream is refused (or it is another section now): MIG004/MIG021
    name = vmsd_label(new)
    uses = vmsd_uses(ctx, new.c_name, "new")
    what = f"subsection '{name}'" if uses.is_subsection else f"vmsd '{name}'"
    unit = "the subsection" if uses.is_subsection else "the section"
    on, nn = old.hook("needed"), new.hook("needed")
    if uses.nested_only:
        on = nn = None  # .needed of a struct-only description is never called
    if on is not None and nn is None:
        if uses.is_subsection:
            effect = (
                "it is now always sent: migration to older QEMU (new→old) fails with "
                f"\"VM subsection '{name}' ... does not exist\" on destinations that predate it"
            )
        else:
            effect = "the whole section is now always sent, also where it used to be skipped"
        yield Hit(
            message=f".needed ({on}) removed from {what}: {effect}",
            line=new.line,
            side="new",
            entity=f"{new.c_name}.needed",
        )
    elif on is None and nn is not None:
        yield Hit(
            message=(
                f".needed ({nn}) added to {what}, which used to be sent always: make sure "
                "pre_load sets defaults for streams without it and that older destinations "
                "do not rely on it"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.needed",
            severity=Severity.NOTE,
        )
    elif (
        on is not None
        and nn is not None
        and on != nn
        and not renamed_function(ctx.old_model, ctx.new_model, on, nn)
    ):
        gate = widened_needed(ctx.new_model, on, nn, property_members(ctx, []))
        if gate is not None:
            tail = (
                f"it still asks {on}() and is otherwise true only where '{gate}' is on, so "
                "machine types whose compat array turns it off send it as before: check "
                "that the previous release's array does"
            )
        else:
            tail = (
                "whenever older QEMU on the same machine type sent it, and never to older "
                "destinations that do not know it"
            )
            tail = f"{unit} must still be sent {tail}"
        yield Hit(
            message=f".needed of {what} changed from {on} to {nn}: {tail}",
            line=new.line,
            side="new",
            entity=f"{new.c_name}.needed",
            severity=Severity.NOTE if gate is not None else None,
        )
    elif on is not None and on == nn and not is_dummy_vmsd(new):
        # (a placeholder kept only so that old streams load may stop being sent)
        of, nf = function_facts(ctx.old_model, on), function_facts(ctx.new_model, nn)
        bodies = ctx.new_model.hook_bodies if ctx.new_model is not None else ()
        if any(b.name == nn for b in bodies):
            pass  # the body change itself is reviewed (hook_body changes, above)
        elif of is not None and nf is not None and of.returns != nf.returns:
            yield Hit(
                message=(
                    f"the logic of .needed ({nn}) of {what} changed: {unit} must still be sent "
                    "whenever older QEMU on the same machine type sent it"
                ),
                line=nf.line or new.line,
                side="new",
                entity=f"{new.c_name}.needed",
                severity=Severity.NOTE,
            )
    # the .needed older QEMU asked before sending this (sub)section at all
    old_needed = None if uses.nested_only else old.hook("needed")
    groups: dict[tuple[str, ...], list[VmstateField]] = {}
    for o, n in change.fields.pairs if change.fields is not None else ():
        if o.test != n.test:
            if o.test is None and o.version_id > 0 and n.version_id in (0, o.version_id):
                key: tuple[str, ...] = ("v-to-test", str(o.version_id), n.test or "")
            elif (
                o.test is None
                and old_needed
                and asks_old_needed(ctx.new_model, n.test or "", old_needed)
            ):
                key = ("test-is-old-needed", n.test or "", old_needed)
            elif o.test is None:
                key = ("test-added", n.test or "")
            elif n.test is None:
                key = ("test-removed", o.test)
            elif renamed_function(ctx.old_model, ctx.new_model, o.test, n.test):
                continue  # the predicate was only renamed
            else:
                key = ("test-changed", o.test, n.test)
        elif o.version_id != n.version_id and not n.test:
            floor = new.minimum_version_id or 0
            if max(o.version_id, floor) == max(n.version_id, floor):
                continue  # same answer for every stream the new destination accepts
            key = ("v-changed", str(o.version_id), str(n.version_id))
        else:
            continue
        groups.setdefault(key, []).append(n)
    for key, fields in groups.items():
        first = fields[0]
        which = (
            f"existing field '{field_label(first)}'"
            if len(fields) == 1
            else f"existing fields {label_list(fields)}"
        )
        severity: Severity | None = None
        if key[0] == "v-to-test":
            severity = Severity.NOTE
            msg = (
                f"gate of {which} in {what} changed from _V({key[1]}) to _TEST({key[2]}): "
                "fine when the predicate returns true for every stream older QEMU sent with "
                f"version >= {key[1]} on the same machine type (tie it to a compat property)"
            )
        elif key[0] == "test-is-old-needed":
            severity = Severity.NOTE
            msg = (
                f"_TEST({key[1]}) added to {which} in {what}: it asks {key[2]}(), the "
                f"old .needed of {unit}, so the field is present in every stream older QEMU "
                f"sent with {unit}, and absent only when it is sent for another reason"
            )
        elif key[0] == "test-added":
            msg = (
                f"_TEST({key[1]}) added to {which} in {what}: when it returns false the "
                "destination skips bytes that older sources still send (old→new) and the "
                "source stops sending bytes older destinations read (new→old), unless it is "
                "tied to a compat property"
            )
        elif key[0] == "test-removed":
            msg = (
                f"_TEST({key[1]}) removed from {which} in {what}: the field is now always "
                "expected, but older sources did not send it when the predicate was false "
                "(old→new), and vice versa"
            )
        elif key[0] == "test-changed":
            msg = (
                f"_TEST predicate of {which} in {what} changed from {key[1]} to {key[2]}: "
                "both sides must compute the same answer for every stream"
            )
        else:
            msg = (
                f"version gate of {which} in {what} changed from {key[1]} to {key[2]}: streams "
                "of the versions in between are now parsed differently from what older QEMU "
                "sent"
            )
        yield Hit(
            message=msg,
            line=first.line,
            side="new",
            entity=field_entity(new, first),
            severity=severity,
        )
