"""Moves between files: an entity removed from one file and added, unchanged, to another.

A vmsd or TypeInfo that moves verbatim between files (a split of a big file, a move into a
header) changes nothing on the wire; only line numbers and the path differ. Such pairs are
dropped from the unit's changes before rules see them. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.diff.changes import EntityChange
from bot.diff.filediff import same_ignoring_lines

__all__ = ["cancel_moves"]


def _base_key(key: str) -> str:
    """The key without its occurrence suffix (`#1`)."""
    head, sep, tail = key.rpartition("#")
    return head if sep and tail.isdigit() else key


def cancel_moves(
    per_file: Sequence[tuple[EntityChange, ...]],
) -> tuple[tuple[EntityChange, ...], ...]:
    """The changes of each file without the remove/add pairs of entities moved unchanged."""
    removed: dict[tuple[str, str], list[EntityChange]] = {}
    for changes in per_file:
        for c in changes:
            if c.op == "removed":
                removed.setdefault((c.kind, _base_key(c.key)), []).append(c)
    if not removed:
        return tuple(per_file)
    drop: set[int] = set()
    for changes in per_file:
        for c in changes:
            if c.op != "added":
                continue
            for r in removed.get((c.kind, _base_key(c.key)), ()):
                if id(r) in drop or r.path == c.path:
                    continue
                if same_ignoring_lines(r.old, c.new):
                    drop.update((id(r), id(c)))
                    break
    if not drop:
        return tuple(per_file)
    return tuple(tuple(c for c in changes if id(c) not in drop) for changes in per_file)
