"""Series / Patch / FileChange: what sources produce and the pipeline consumes. Frozen data.

Also the hunks between two versions of a file's bytes, for changes that carry none (a folded
series, fixtures): libgit2's in-memory diff, a pure function of the bytes (no repository),
so that they match the hunks git itself reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2


@dataclass(frozen=True, slots=True)
class Hunk:
    """One unified-diff hunk: old/new start and length (1-based, as in `@@`)."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int


def hunks_from_bytes(old: bytes | None, new: bytes | None) -> tuple[Hunk, ...]:
    """Zero-context hunks turning `old` into `new` (like `git diff -U0`)."""
    if old == new:
        return ()
    # libgit2's in-memory diff: a pure function of the two byte strings (no repository).
    patch = pygit2.Patch.create_from(old, new, context_lines=0)
    if patch is None:
        return ()
    return tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file touched by a patch (or by the whole series when folded).

    `old`/`new` are raw bytes; None means the file is added (old None) or deleted (new None).
    `binary` marks a change whose content is not text (never parsed).
    """

    old_path: str | None
    new_path: str | None
    old: bytes | None
    new: bytes | None
    hunks: tuple[Hunk, ...] = ()
    binary: bool = False

    @property
    def path(self) -> str:
        """The path to report: the new one, else the old one."""
        return self.new_path or self.old_path or ""


@dataclass(frozen=True, slots=True)
class Patch:
    """One commit of a series."""

    index: int  # 1-based position in the series
    commit: str  # commit id (after applying, for mailed series)
    subject: str
    author: str
    files: tuple[FileChange, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """A reviewed unit: base..head with its patches and the folded base->head change."""

    base: str
    head: str
    patches: tuple[Patch, ...]
    folded: tuple[FileChange, ...]  # base -> head, one entry per changed file
    base_version: str | None = None  # content of VERSION at base, e.g. "10.2.50"
    head_version: str | None = None
    applied_with: str = ""  # mailed series: how head was made ("in memory", "git am -3 (...)")
