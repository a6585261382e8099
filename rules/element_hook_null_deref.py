"""MIG078 element-hook-null-deref: an array element's vmsd hook dereferences an untested pointer

*What it flags*

A vmsd hook (`.needed`, `pre_save`, `post_save`, `pre_load`, `post_load`) that the series adds
or changes, of a vmsd migrated as the element of a `VMSTATE_STRUCT_ARRAY*` (directly or as a
subsection of that element vmsd), which now dereferences a pointer member of the element
struct it was given (`st->state->use_timer` after `HDAAudioStream *st = opaque;`) and never
tests that pointer (`st->state && ...`, `if (!st->state)`, `st->state == NULL`).

Quiet: a dereference the hook already made before the series, a pointer the hook tests
anywhere, elements whose pointer the file assigns through an index (`s->st[i].state = s;`,
or `d = &s->drives[i]; d->fdctrl = s;` in a `for` loop: every slot is filled), and vmsds that
are not array elements.

*Why it breaks migration*

`VMSTATE_STRUCT_ARRAY` runs the element's hooks, and the `.needed` of each of its
subsections, for every slot of the array, including the slots the device never set up. A back
pointer or a backend pointer that is set only for the slots in use is NULL in the others, so
the hook crashes the source on every outgoing migration and savevm (or the destination on
load), whatever the guest did.

*Example*

280c1e1cdb24 (hda-codec) added a `buffer` subsection to the stream vmsd of a 4-slot array
whose `.needed` returned `st->state->use_timer`; only the streams of the codec's nodes have
`st->state` set, so outgoing migration crashed (fixed by 67fa1f570024, `return st->state &&
st->state->use_timer;`).

*Instead*

Test the pointer first (`return st->state && st->state->...;`), or set it in every slot at
realize.

*References*

- migration/vmstate.c, `vmstate_save_state_v()` (hooks and subsections per array element)
- 280c1e1cdb24, fixed by 67fa1f570024
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.diff.changes import EntityChange
from bot.diff.loadhooks import function_text
from bot.engine.spec import Hit, RuleContext, RuleSpec
from bot.findings import Category, Severity
from bot.model.entities import FileModel, HookBody, StructDef, Vmsd
from bot.rulekit.ctx import file_model, source_text

RULE = RuleSpec(
    id="MIG078",
    name="element-hook-null-deref",
    severity=Severity.WARNING,
    category=Category.NEEDED_OR_TEST_LOGIC,
    confidence="medium",
    scope="patch",
    message="a hook of an array element's vmsd dereferences a pointer it never tests",
    fix_hint=(
        "test the pointer before dereferencing it (`return st->p && st->p->x;`): "
        "VMSTATE_STRUCT_ARRAY runs the hook for unused slots too"
    ),
    kinds=("hook_body",),
)

_ROLES = ("needed", "pre_save", "post_save", "pre_load", "post_load")
# `Foo *st = opaque;` (optionally with a cast): the element the hook was handed
_OPAQUE = re.compile(r"\b(\w+)\s*\*\s*(\w+)\s*=\s*(?:\(\s*\w+\s*\*\s*\)\s*)?opaque\s*;")


def _element_vmsds(model: FileModel) -> set[str]:
    """C names of the vmsds migrated as array elements, and of their subsections
    (transitively: a subsection's `.needed` runs per element too)."""
    out: set[str] = set()
    for v in model.vmsds:
        for f in v.fields:
            if f.vmsd_ref and "struct" in f.flags and "array" in f.flags:
                out.add(f.vmsd_ref)
    todo = list(out)
    while todo:
        elem = model.vmsd(todo.pop())
        if elem is None:
            continue
        for sub in elem.subsections:
            if sub not in out:
                out.add(sub)
                todo.append(sub)
    return out


def _struct(model: FileModel, name: str) -> StructDef | None:
    for s in model.structs:
        if s.name == name or name in s.aliases:
            return s
    return None


def _unguarded_derefs(body: str) -> list[tuple[str, str, str]]:
    """(variable, struct type, pointer member) of every `v->p->` in the body on the opaque
    variable `v` whose `p` the body never uses otherwise (a test, a copy)."""
    out: list[tuple[str, str, str]] = []
    for m in _OPAQUE.finditer(body):
        typ, var = m.group(1), m.group(2)
        seen: set[str] = set()
        for d in re.finditer(rf"(?<![\w.>]){re.escape(var)}\s*->\s*(\w+)\s*->", body):
            member = d.group(1)
            if member in seen:
                continue
            seen.add(member)
            uses = re.finditer(
                rf"(?<![\w.>]){re.escape(var)}\s*->\s*{re.escape(member)}\b(?!\s*->)", body
            )
            if next(uses, None) is None:
                out.append((var, typ, member))
    return out


_WINDOW = 800  # characters before `d->member = ...` searched for the loop that picked `d`


def _set_per_index(text: str, member: str) -> bool:
    """Whether the file assigns the member through an index: `s->st[i].state = s;`, or
    `d = &s->drives[i]; d->fdctrl = s;` inside a `for` loop (every slot gets it)."""
    m = re.escape(member)
    if re.search(rf"\]\s*\.\s*{m}\s*=(?!=)", text):
        return True
    for a in re.finditer(rf"(?<![\w.>])(\w+)\s*->\s*{m}\s*=(?!=)", text):
        before = text[max(0, a.start() - _WINDOW) : a.start()]
        pick = re.search(rf"\b{re.escape(a.group(1))}\s*=\s*&[^;]{{0,120}}\]\s*;", before)
        if pick and re.search(r"\bfor\s*\(", before[: pick.start()]):
            return True
    return False


def _uses(model: FileModel, fn: str, elements: set[str]) -> list[tuple[Vmsd, str]]:
    return [
        (v, role)
        for v in model.vmsds
        if v.c_name in elements and not v.unmigratable
        for role in _ROLES
        if v.hook(role) == fn
    ]


def check(change: EntityChange, ctx: RuleContext) -> Iterator[Hit]:
    """Yield a hit per new, never tested dereference of an element's pointer member in a
    hook of an array element's vmsd."""
    if change.kind != "hook_body" or change.op not in ("added", "modified"):
        return
    new = change.new
    if not isinstance(new, HookBody):
        return
    model = file_model(ctx, change.path, "new")
    text = source_text(ctx, change.path, "new")
    if model is None or text is None:
        return
    uses = _uses(model, new.name, _element_vmsds(model))
    if not uses:
        return
    old = change.old if isinstance(change.old, HookBody) else None
    old_path = change.old_path or change.path
    old_text, old_model = source_text(ctx, old_path, "old"), file_model(ctx, old_path, "old")
    old_body = ""
    if old is not None and old_text is not None and old_model is not None:
        old_body = function_text(old_text, old_model, old.name) or ""
    body = function_text(text, model, new.name) or ""
    vmsd, role = uses[0]
    for var, typ, member in _unguarded_derefs(body):
        st = _struct(model, typ)
        if st is None or not any(m.name == member and m.pointer > 0 for m in st.members):
            continue
        if re.search(rf"\b\w+\s*->\s*{re.escape(member)}\s*->", old_body):
            continue  # dereferenced before the series too
        if _set_per_index(text, member):
            continue
        yield Hit(
            message=(
                f"{new.name}(), the {role} hook of {vmsd.c_name} (an element of a "
                f"VMSTATE_STRUCT_ARRAY), dereferences `{var}->{member}` without testing it: "
                f"the hook runs for every slot of the array, and a slot the device never set "
                f"up has `{member}` NULL, so migration crashes; test `{var}->{member}` first"
            ),
            line=new.line,
            side="new",
            entity=f"{new.name}:{member}",
        )
