"""A `load_hook` change: the body of a function that runs on the destination while a
device's state is loaded, and that no vmsd names, changed.

vmsd hooks (`.pre_load`, `.post_load` ...) are `hook_body` entities. A virtio device's
`set_features` runs on the load path too and is invisible there: `virtio_load()` calls it to
apply the migrated feature bits. It is bound by assignment in class_init
(`vdc->set_features = f;`, or `n->vdev.set_features = f;` in older trees). Class-level
`post_load` methods (`icc->post_load = f;`) are left out: they are the device's own restore
code, called from a vmsd's post_load, where setting migrated members is the point. The
change's key is `role:function`; its old/new entities are None (the rules read both sides'
text).
"""

from __future__ import annotations

import re

from bot.diff.changes import EntityChange
from bot.model import cscan
from bot.model.entities import FileModel

__all__ = ["LOAD_HOOK_ROLES", "bound_load_hooks", "function_text", "load_hook_changes"]

LOAD_HOOK_ROLES = ("set_features",)
# an assignment statement (a designated initializer ends with `,` or `}`, not `;`)
_BIND = re.compile(r"(?:->|\.)\s*(set_features)\s*=\s*&?\s*(\w{1,80})\s*;")
_MAX_BINDS = 32
_MAX_BODY = 40_000  # characters of one function compared (untrusted input)


def bound_load_hooks(text: str, model: FileModel) -> list[tuple[str, str]]:
    """(role, function) of every load-path callback the file binds to a function it defines."""
    defined = {name for name, _, _ in model.functions}
    out: list[tuple[str, str]] = []
    for m in _BIND.finditer(cscan.strip_comments(text)):
        pair = (m.group(1), m.group(2))
        if pair[1] in defined and pair not in out:
            out.append(pair)
            if len(out) >= _MAX_BINDS:
                break
    return out


def function_text(text: str, model: FileModel, function: str) -> str | None:
    """The definition of `function` (comments blanked, lines kept), None when not defined."""
    for name, start, end in model.functions:
        if name == function:
            lines = text.splitlines()[start - 1 : end]
            return cscan.strip_comments("\n".join(lines))[:_MAX_BODY]
    return None


def load_hook_changes(
    path: str,
    old_text: str | None,
    old: FileModel | None,
    new_text: str | None,
    new: FileModel | None,
    old_path: str | None = None,
) -> tuple[EntityChange, ...]:
    """One `load_hook` change per load-path callback of the new side whose body differs
    from the old side's (a callback the old side did not define counts as changed)."""
    if None in (old_text, old, new_text, new) or not path.endswith(".c"):
        return ()
    assert old_text is not None and old is not None and new_text is not None and new is not None
    out: list[EntityChange] = []
    for role, fn in bound_load_hooks(new_text, new):
        after = function_text(new_text, new, fn)
        before = function_text(old_text, old, fn)
        if after is None or (before is not None and cscan.norm(before) == cscan.norm(after)):
            continue
        renamed_from = old_path if old_path != path else None
        key = f"{role}:{fn}"
        out.append(EntityChange("load_hook", "modified", key, path, None, None, renamed_from))
    return tuple(out)
