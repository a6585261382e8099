"""MIG004 vmsd-version-bump: vmsd version_id / minimum_version_id changed

*What it flags*

A change of `version_id` or `minimum_version_id` of a `VMStateDescription` that is on the
wire (a section or a subsection):
- `version_id` raised (warning): the classic "add a `_V(n)` field and bump" pattern;
- `minimum_version_id` raised (error);
- `version_id` lowered (error).
Versions of descriptions used only nested via `VMSTATE_STRUCT` are not on the wire; MIG014
covers them. A version written as a macro (`.version_id = VIRTIO_GPU_VM_VERSION`) takes the
value of its `#define` (in the files of the series, a header included; an absent
`.version_id` is 0), and a changed `#define` in a header that is the version of a vmsd the
series leaves alone is the same change, reported on the `#define`.

*Why it breaks migration*

A destination accepts a section only when the incoming version lies in
`[minimum_version_id, version_id]`. After a `version_id` bump the new source sends the new
version and an older destination refuses it: "unsupported version N for '<idstr>' vM"
(new→old, i.e. backward migration, breaks for every versioned machine type). Raising
`minimum_version_id` makes the new destination refuse streams of older sources: "incoming
version_id N is too old" (old→new). Lowering `version_id` makes it refuse the current
version: "incoming version_id N is too new".

*Example*

```c
 static const VMStateDescription vmstate_foo = {
     .name = "foo",
-    .version_id = 2,
+    .version_id = 3,
     .minimum_version_id = 2,
```

*Instead*

Leave the versions alone and send new state in a subsection whose `.needed` is tied to a
compat property (`hw_compat_X_Y`). Raise `minimum_version_id` only when every machine type
that could produce the older version has been removed. Version bumps are acceptable for
devices that never appear on versioned machine types (say so in the commit message: "This
is a migration compatibility break for <board>").

*References*

- docs/devel/migration/main.rst, "Versions"
- migration/vmstate.c `vmstate_load_state` ("incoming version_id %d is too old/new")
- migration/savevm.c ("unsupported version %d for '%s' v%d")
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.fixedit import DraftEdit
from bot.model import cscan
from bot.model.entities import Define, Vmsd, VmstateField
from bot.rulekit import ctx as K
from bot.rulekit import drafts as D
from bot.rulekit.ctx import Side, find_vmsd_at
from bot.rulekit.layout import int_lookup
from bot.rulekit.vmsd import vmsd_change, vmsd_label, vmsd_uses, wire_reset

RULE = RuleSpec(
    id="MIG004",
    name="vmsd-version-bump",
    severity=Severity.WARNING,
    category=Category.VERSION_BUMP,
    confidence="high",
    scope="patch",
    message="vmsd version_id / minimum_version_id changed",
    fix_hint=(
        "keep version_id and minimum_version_id; send the new state in a subsection whose "
        ".needed returns a compat property switched off in the previous release's hw_compat"
    ),
    kinds=("vmsd", "define"),
)


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield hits for version_id / minimum_version_id changes of on-the-wire vmsds."""
    if change.kind == "define":
        yield from _define_check(change, ctx)
        return
    old, new = vmsd_change(change)
    if old is None or new is None or change.op != "modified":
        return
    if vmsd_uses(ctx, new.c_name, "new").nested_only:
        return  # not on the wire; MIG014
    if wire_reset(ctx, old, new) in ("renamed", "unmigratable"):
        return  # a different section/subsection now (MIG021/MIG005), or never migrated
    name = vmsd_label(new)
    kind = "subsection" if vmsd_uses(ctx, new.c_name, "new").is_subsection else "vmsd"
    # `.version_id = FOO_VERSION` with FOO_VERSION #defined in a header: the tree's value
    ov, nv = _version(ctx, old, "old"), _version(ctx, new, "new")
    refusal = (
        f'"incoming version_id {nv} is too new for local version_id {ov}"'
        if kind == "subsection"
        else f"\"unsupported version {nv} for '{name}' v{ov}\""
    )
    om, nm = _version(ctx, old, "old", "minimum_"), _version(ctx, new, "new", "minimum_")
    at = find_vmsd_at(ctx, new.c_name, "new")
    path = at[1] if at is not None else change.path

    def restore(member: str, was: int, now: int) -> DraftEdit:
        # a version written as a macro goes back to the macro it was (FOO_V2 -> FOO_V1)
        mini = member.startswith("minimum")
        now_text = (new.minimum_version_expr if mini else new.version_expr) or str(now)
        was_text = (old.minimum_version_expr if mini else old.version_expr) or str(was)
        return D.sub_in(path, new.line, new.end_line,
                        rf"(\.{member}\s*=\s*){re.escape(now_text)}(?!\w)",
                        rf"\g<1>{was_text}")  # fmt: skip

    if ov is not None and nv is not None and nv > ov:
        gated = [f for f in new.payload_fields if ov < f.version_id <= nv and not f.test]
        draft: str | None = f"    .version_id = {ov},"
        edits: tuple[DraftEdit, ...] = (restore("version_id", ov, nv),)
        if gated:
            uses = vmsd_uses(ctx, new.c_name, "new")
            owner = uses.subsection_of[0] if uses.is_subsection else None
            text, more = D.subsection_gate_draft(ctx, new, gated, owner)
            draft = f"/* in {new.c_name}: */\n{draft}\n{text}"
            edits = (*edits, *more)
        yield Hit(
            message=(
                f"{kind} '{name}' version_id raised from {ov} to {nv}: migration to older "
                f"QEMU (new→old) fails with {refusal} for every machine type, including "
                "versioned ones"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.version_id",
            fix_draft=draft,
            fix_edits=edits,
        )
    if ov is not None and nv is not None and nv < ov:
        yield Hit(
            message=(
                f"{kind} '{name}' version_id lowered from {ov} to {nv}: migration from older "
                f'QEMU (old→new) fails with "incoming version_id {ov} is too new"'
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.version_id",
            severity=Severity.ERROR,
            fix_hint="never lower version_id; restore the previous value",
            fix_draft=f"    .version_id = {ov},",
            fix_edits=(restore("version_id", ov, nv),),
        )
    if om is not None and nm is not None and nm > om:
        sent = ov if ov is not None else om
        base = ctx.series.base_version
        if sent < nm:
            cut = (
                f"this cuts off even the base revision{f' ({base})' if base else ''}, which "
                f"sends version {sent}, and every earlier release"
            )
        else:
            cut = (
                f"every QEMU release that still sent a version below {nm} (the ones before "
                f"'{name}' reached v{nm}) is cut off"
            )
        mdraft, medits = _minimum_draft(ctx, change, old, new, path, om,
                                        restore("minimum_version_id", om, nm))  # fmt: skip
        yield Hit(
            message=(
                f"{kind} '{name}' minimum_version_id raised from {om} to {nm}: migration from "
                f'older QEMU (old→new) fails with "incoming version_id {om} is too old" for '
                f"sources sending versions {om}..{nm - 1}; {cut}"
            ),
            line=new.line,
            side="new",
            entity=f"{new.c_name}.minimum_version_id",
            severity=Severity.ERROR,
            fix_draft=mdraft,
            fix_edits=medits,
            fix_hint=(
                "raise minimum_version_id only when every machine type that could produce the "
                "older version has been removed; say so in the commit message"
            ),
        )


def _version(ctx: RuleContext, v: Vmsd, side: Side, which: str = "") -> int | None:
    """`version_id` (or `minimum_version_id`), a macro resolved with the tree's #defines."""
    value = v.minimum_version_id if which else v.version_id
    expr = v.minimum_version_expr if which else v.version_expr
    if value is None and expr:
        value = cscan.eval_int(expr, int_lookup(ctx, side))
    return value


def _define_check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """A changed `#define` that is the version of vmsds the series leaves alone."""
    old, new = change.old, change.new
    if change.op != "modified" or not isinstance(old, Define) or not isinstance(new, Define):
        return
    if "(" in new.name or K.norm(old.raw) == K.norm(new.raw) or ctx.new_tree is None:
        return
    was = cscan.eval_int(old.raw, int_lookup(ctx, "old"))
    now = cscan.eval_int(new.raw, int_lookup(ctx, "new"))
    if was is None or now is None or was == now:
        return
    word = re.compile(rf"\b{re.escape(new.name)}\b")
    seen: set[str] = set()
    for vpath, v in ctx.new_tree.iter_vmsds():
        for member, expr, value in (
            ("version_id", v.version_expr, v.version_id),
            ("minimum_version_id", v.minimum_version_expr, v.minimum_version_id),
        ):
            if value is not None or not expr or new.name not in expr or not word.search(expr):
                continue
            if v.c_name in seen or len(seen) >= _MAX_DEFINE_USERS:
                continue
            if vmsd_uses(ctx, v.c_name, "new").nested_only:
                continue
            lookup_old, lookup_new = int_lookup(ctx, "old"), int_lookup(ctx, "new")
            before = cscan.eval_int(expr, lookup_old)
            after = cscan.eval_int(expr, lookup_new)
            if before is None or after is None or before == after:
                continue
            seen.add(v.c_name)
            raised = after > before
            if member == "version_id":
                effect = (
                    "migration to older QEMU (new→old) fails for every machine type"
                    if raised
                    else 'migration from older QEMU (old→new) fails: "incoming version_id '
                    f'{before} is too new"'
                )
            else:
                if not raised:
                    continue  # a lower minimum accepts more streams
                effect = (
                    f'migration from older QEMU (old→new) fails: "incoming version_id '
                    f'{before} is too old"'
                )
            yield Hit(
                message=(
                    f"{new.name} changes from {was} to {now}, and it is the {member} of vmsd "
                    f"'{vmsd_label(v)}' ({vpath}): {member} {'raised' if raised else 'lowered'}"
                    f" from {before} to {after} though the vmsd is unchanged; {effect}"
                ),
                line=new.line,
                side="new",
                entity=f"{v.c_name}.{member}",
                severity=Severity.WARNING if raised and member == "version_id" else Severity.ERROR,
                fix_draft=f"#define {new.name} {K.norm(old.raw)}",
                fix_edits=(
                    D.sub_in(
                        change.path,
                        new.line,
                        new.line,
                        rf"^(\s*#\s*define\s+{new.name}\s+).*$",
                        "\\g<1>" + K.norm(old.raw).replace("\\", "\\\\"),
                    ),
                ),
            )


_MAX_DEFINE_USERS = 16


_SCALAR = re.compile(r"^VMSTATE_(BOOL|U?INT(8|16|32|64))(_ARRAY)?$")


def _minimum_draft(
    ctx: RuleContext, change: EntityChange, old: Vmsd, new: Vmsd, path: str, om: int,
    restore: DraftEdit,
) -> tuple[str, tuple[DraftEdit, ...]]:  # fmt: skip
    """fix_draft and fix_edits of a raised minimum_version_id: the old minimum back, each
    field that streams of versions om.. lack gated `_V` again (an added field on the new
    version, a field whose gate was dropped on its old one), and the bytes of each removed
    field skipped in the streams of the versions that still sent it."""
    nv = new.version_id or 0
    d = change.fields
    gates: list[tuple[VmstateField, int]] = []
    if d is not None:
        gates += [(f, nv) for f in d.added if not f.version_id and not f.test and nv > om]
        gates += [(n, o.version_id) for o, n in d.pairs
                  if o.version_id > om and not n.version_id and not n.test]  # fmt: skip
    lines = [f"    .minimum_version_id = {om},"]
    edits = [restore]
    for f, v in gates:
        if not _SCALAR.match(f.macro) or not f.args:
            continue
        lines.append(D.call(f"{f.macro}_V", [*f.args, str(v)], ",", "        "))
        edits.append(D.sub_in(path, f.line, f.line, rf"\b{f.macro}\((.*)\)(\s*,)",
                              rf"{f.macro}_V(\g<1>, {v})\g<2>"))  # fmt: skip
    if len(lines) > 1:
        lines.insert(1, f"/* in {new.c_name}.fields: streams of older versions lack these */")
    nm = new.minimum_version_id or 0
    gone = [o for o in (d.removed if d is not None else ()) if o.wire_size]
    if gone and d is not None:
        fn = f"{new.c_name.removeprefix('vmstate_')}_before_v{nm}"
        func = (f"static bool {fn}(void *opaque, int version_id)\n{{\n"
                f"    return version_id < {nm};\n}}\n")  # fmt: skip
        lines += [
            "/* before it: */",
            func.rstrip("\n"),
            f"/* in {new.c_name}.fields: bytes only streams before v{nm} carry */",
        ]
        edits.append(D.insert_before(path, new.line, func + "\n"))
        pairs = {id(o): n for o, n in d.pairs}
        for o in gone:
            at = D.field_insert_line(old, new, pairs, o)
            was = o.c_field or o.name
            text = f"        VMSTATE_UNUSED_TEST({fn}, {o.wire_size}), /* was {was} */"
            lines.append(text)
            if at is not None:
                edits.append(D.insert_before(path, at, text))
    return "\n".join(lines), tuple(edits)
