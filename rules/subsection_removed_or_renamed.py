"""MIG005 subsection-removed-or-renamed: subsection removed or renamed

*What it flags*

A subsection that disappears from its parent's `.subsections` list, or whose wire name (the
resolved `.name` of the subsection's description) changes. Renaming only the C variable of a
subsection description while keeping its `.name` is not flagged.

*Why it breaks migration*

Subsections are identified on the wire by name. When an older source sends a subsection the
new destination does not know (removed, or known under another name), the load fails with
"VM subsection '<name>' in '<parent>' does not exist" (old→new). A renamed subsection sent by
the new source fails the same way on an older destination (new→old).

*Example*

```c
     .subsections = (const VMStateDescription * const []) {
-        &vmstate_foo_fifo,
         &vmstate_foo_clock,
         NULL
     },
```

*Instead*

Keep the subsection definition so that old streams still parse: replace its fields with
`VMSTATE_UNUSED(<wire size>)` and make `.needed` return false so the new source never sends
it. Never rename a subsection; its name must keep the `<parent>/` prefix.

*References*

- migration/vmstate.c `vmstate_subsection_load` ("VM subsection '%s' in '%s' does not exist")
- docs/devel/migration/main.rst, "Subsections"
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model.entities import Vmsd
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.ctx import Side, find_vmsd_at
from bot.rulekit.vmsd import vmsd_change, vmsd_label, vmsd_uses, wire_reset

RULE = RuleSpec(
    id="MIG005",
    name="subsection-removed-or-renamed",
    severity=Severity.ERROR,
    category=Category.SUBSECTION_REMOVED_OR_RENAMED,
    confidence="high",
    scope="patch",
    message="subsection removed or renamed",
    fix_hint=(
        "keep the subsection definition with VMSTATE_UNUSED(<wire size>) fields and a .needed "
        "that returns false, so streams from older QEMU still load; never rename it"
    ),
    kinds=("vmsd",),
)


def _wire(ctx: RuleContext, c_name: str, side: Side) -> tuple[str | None, Vmsd | None]:
    found = find_vmsd_at(ctx, c_name, side)
    if found is None:
        return None, None
    return vmsd_label(found[0]), found[0]


def _keep_draft(
    ctx: RuleContext, sub: Vmsd | None, wire: str, parent: Vmsd, path: str
) -> tuple[str, tuple[DraftEdit, ...]]:
    """The removed subsection kept as a never-sent sink for old streams: (text, edits);
    when it is still defined and only a second `.subsections` list hides it (C keeps the
    last), the lists merged instead."""
    alive = sub is not None and any(v.c_name == sub.c_name for _, m in K.models(ctx, "new")
                                    for v in m.vmsds)  # fmt: skip
    if alive and parent.subsections_initializers > 1:
        return D.merged_subsections(ctx, parent, path)
    c_name = sub.c_name if sub is not None else f"vmstate_{D.c_ident(wire)}"
    needed = f"{c_name.removeprefix('vmstate_')}_needed"
    if sub is not None and sub.payload_fields:
        fields = "\n".join(D.unused_line(ctx, [f]) for f in sub.payload_fields)
    else:
        fields = D.unused_line(ctx, [])
    version = sub.version_id if sub is not None and sub.version_id is not None else 1
    minimum = (sub.minimum_version_id
               if sub is not None and sub.minimum_version_id is not None else version)  # fmt: skip
    kept = (
        f"static bool {needed}(void *opaque)\n"
        "{\n"
        "    return false; /* kept only so that streams from older QEMU still load */\n"
        "}\n"
        "\n"
        f"static const VMStateDescription {c_name} = {{\n"
        f'    .name = "{wire}",\n'
        f"    .version_id = {version},\n"
        f"    .minimum_version_id = {minimum},\n"
        f"    .needed = {needed},\n"
        "    .fields = (const VMStateField[]) {\n"
        f"{fields}\n"
        "        VMSTATE_END_OF_LIST()\n"
        "    },\n"
        "};\n"
    )
    listing = (
        "    .subsections = (const VMStateDescription * const []) {\n"
        + "".join(f"        &{c},\n" for c in parent.subsections)
        + f"        &{c_name},\n        NULL\n    }},\n"
    )
    text = f"{kept}\n/* in {parent.c_name}: */\n{listing}"
    edits: list[DraftEdit] = []
    if sub is None or not any(v.c_name == sub.c_name for _, m in K.models(ctx, "new")
                              for v in m.vmsds):  # fmt: skip
        edits.append(D.insert_before(path, parent.line, kept + "\n"))
    if parent.subsections:
        edits.append(D.replace_line(path, parent.line, f"        &{c_name},\n        NULL",
                                    pattern=r"^\s*NULL\s*,?\s*$",
                                    end_line=parent.end_line))  # fmt: skip
    else:
        edits.append(D.insert_before(path, parent.end_line, listing))
    return text, tuple(edits)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for subsections dropped from a parent's list or renamed on the wire."""
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    # 1. the parent's list lost a subsection (by wire name); moot when every old stream is
    # refused by version before subsections are read
    reset = wire_reset(ctx, old, new)
    new_wires: dict[str, str] = {}
    for c in new.subsections:
        w, _ = _wire(ctx, c, "new")
        new_wires[w if w is not None else c] = c
    for c in old.subsections if reset is None else ():
        if c in new.subsections:
            continue  # same C name: a rename of its .name is reported on that vmsd (part 2)
        w, sub = _wire(ctx, c, "old")
        key = w if w is not None else c
        if key in new_wires:
            continue  # C variable renamed, wire name kept
        parent = vmsd_label(new)
        draft, edits = _keep_draft(ctx, sub, key, new, change.path)
        yield Hit(
            message=(
                f"subsection '{key}' removed from vmsd '{parent}': migration from older QEMU "
                f"(old→new) fails with \"VM subsection '{key}' in '{parent}' does not exist\" "
                "whenever the source sends it"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.subsections[{key}]",
            fix_draft=draft,
            fix_edits=edits,
        )
    # 2. this vmsd is a subsection and its wire name changed
    on, nn = vmsd_label(old), vmsd_label(new)
    if on == nn:
        return
    parents = vmsd_uses(ctx, new.c_name, "new").subsection_of
    if not parents:
        parents = vmsd_uses(ctx, old.c_name, "old").subsection_of
    if not parents:
        return  # a section rename is MIG021's business
    p = vmsd_label(parents[0])
    twin = _duplicate_of(ctx, old, on)
    if twin is not None:
        # The old name was a sibling's too: loadvm finds subsections by name, so an older
        # QEMU loaded this state into the sibling; the rename repairs that (QEMU 9.2's
        # target/ppc "cpu/tlbemb"), and what older QEMUs sent of it never loaded right.
        yield Hit(
            message=(
                f"subsection renamed from '{on}' to '{nn}' (in '{p}'): '{on}' is also the "
                f"name of {twin} in '{p}', so older QEMUs loaded this state into {twin}; the "
                f"rename repairs migration of it (streams of older QEMUs carrying it were "
                "broken already)"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.name",
            severity=Severity.NOTE,
        )
        return
    yield Hit(
        message=(
            f"subsection renamed from '{on}' to '{nn}' (in '{p}'): migration from older QEMU "
            f"(old→new) fails with \"VM subsection '{on}' in '{p}' does not exist\", and "
            f"migration to older QEMU (new→old) fails on '{nn}'"
        ),
        line=new.line,
        side="new",
        entity=f"{new.c_name}.name",
        fix_hint=f"keep .name = \"{on}\"",
    )


def _duplicate_of(ctx: RuleContext, old: Vmsd, wire: str) -> str | None:
    """C name of another subsection of the same parent (base side) with this wire name."""
    for parent in vmsd_uses(ctx, old.c_name, "old").subsection_of:
        for c in parent.subsections:
            if c == old.c_name:
                continue
            w, _ = _wire(ctx, c, "old")
            if w == wire:
                return c
    return None
