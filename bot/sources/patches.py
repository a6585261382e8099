"""Mailed series (mbox / `git format-patch` files) -> Series, by applying them onto a base."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pygit2

from bot.series import Series
from bot.sources.gitrange import open_repo, resolve_commit, series_between
from bot.sources.mail import read_mail_patches
from bot.workspace import apply_mails, scratch_worktree


@contextmanager
def applied_series(repo_path: str, base: str, files: Sequence[str]) -> Iterator[Series]:
    """Apply FILE... onto BASE in a scratch worktree and yield the Series base..applied head.

    While the context is open the scratch worktree still exists; the applied commits stay
    in the repository's object store afterwards (unreferenced).
    """
    mails, _skipped = read_mail_patches(files)
    repo = open_repo(repo_path)
    base_commit = resolve_commit(repo, base)
    with scratch_worktree(repo.path, str(base_commit.id)) as wt:
        head_id = apply_mails(wt, mails)
        # Reopen: the objects git wrote are not in the old handle's cached packs list.
        repo = pygit2.Repository(repo.path)
        head = repo[head_id].peel(pygit2.Commit)
        base_commit = repo[base_commit.id].peel(pygit2.Commit)
        yield series_between(repo, base_commit, head, spec=f"{base}..(applied series)")


def series_from_patches(repo_path: str, base: str, files: Sequence[str]) -> Series:
    """Read FILE... (mbox or format-patch files), apply onto BASE, return the Series."""
    with applied_series(repo_path, base, files) as series:
        return series
