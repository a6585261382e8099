"""Find the commit one patch was made on, from the blob ids on its `index OLD..NEW` lines.

For the author's own check before sending (b4's per-patch check command, git's
sendemail-validate hook) the patch usually is a commit of the current branch: walking HEAD's
first-parent history, the commit whose tree holds every NEW blob while its parent holds
every OLD blob is that commit, and its parent is the base. A patch that is not committed
(yet) goes onto the newest commit holding every OLD blob; failing both, onto HEAD.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from bot.sources.diffparse import FilePatch

SEARCH_LIMIT = 1000  # first-parent commits looked at from HEAD


@dataclass(frozen=True, slots=True)
class PatchBase:
    """The commit to apply a patch onto, and how it was chosen (for people)."""

    commit: str
    how: str


def _absent(oid: str) -> bool:
    return not oid or set(oid) == {"0"}


def _holds(tree: pygit2.Tree, want: dict[str, str | None]) -> bool:
    """Whether every path has the blob (abbreviated id) given, or is absent for None."""
    for path, oid in want.items():
        try:
            obj = tree[path]
        except KeyError:
            if oid is None:
                continue
            return False
        if oid is None or not str(obj.id).startswith(oid):
            return False
    return True


def _sides(patches: tuple[FilePatch, ...]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """(before, after): path -> blob id prefix (None: absent) for what the index lines say."""
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for fp in patches:
        if fp.old_path is not None:
            if not _absent(fp.old_id):
                before[fp.old_path] = fp.old_id
            if fp.new_path != fp.old_path and not fp.copy:
                after.setdefault(fp.old_path, None)
        if fp.new_path is not None:
            if fp.old_path is None:
                before[fp.new_path] = None
            if not _absent(fp.new_id):
                after[fp.new_path] = fp.new_id
        elif fp.old_path is not None:
            after[fp.old_path] = None
    return before, after


def find_base(repo: pygit2.Repository, head: pygit2.Commit,
              patches: tuple[FilePatch, ...]) -> PatchBase:  # fmt: skip
    """Where to apply `patches` (see the module doc)."""
    before, after = _sides(patches)
    if not any(v is not None for v in (*before.values(), *after.values())):
        return PatchBase(str(head.id), "HEAD (the patch names no blob ids)")
    newest_pre: pygit2.Commit | None = None
    c: pygit2.Commit | None = head
    for _ in range(SEARCH_LIMIT):
        if c is None:
            break
        parent = c.parents[0] if c.parents else None
        if parent is not None and _holds(c.tree, after) and _holds(parent.tree, before):
            return PatchBase(str(parent.id), f"the parent of {str(c.id)[:12]}, the commit "
                             "this patch was made from")  # fmt: skip
        if newest_pre is None and _holds(c.tree, before):
            newest_pre = c
        c = parent
    if newest_pre is not None:
        return PatchBase(str(newest_pre.id), f"{str(newest_pre.id)[:12]}, the newest commit "
                         "with the files as the patch expects them")  # fmt: skip
    return PatchBase(str(head.id), "HEAD (no commit has the files as the patch expects them)")
