"""Mailed series (mbox / `git format-patch` files) -> Series, by applying them onto a base."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pygit2

from bot.series import Series
from bot.sources.gitrange import open_repo, resolve_commit, series_between
from bot.sources.mail import MailPatch, read_mail_patches
from bot.workspace import apply_series


def series_from_mails(repo_path: str, base: str, mails: Sequence[MailPatch],
                      label: str = "(applied series)") -> Series:  # fmt: skip
    """Apply parsed patch mails onto BASE (in memory where possible) -> the Series."""
    repo = open_repo(repo_path)
    base_commit = resolve_commit(repo, base)
    applied = apply_series(repo.path, str(base_commit.id), mails)
    # Reopen: objects a `git am` fallback wrote may not be in the old handle's pack list.
    repo = pygit2.Repository(repo.path)
    head = repo[applied.head].peel(pygit2.Commit)
    base_commit = repo[base_commit.id].peel(pygit2.Commit)
    series = series_between(repo, base_commit, head, spec=f"{base}..{label}")
    return dataclasses.replace(series, applied_with=applied.method)


@contextmanager
def applied_series(repo_path: str, base: str, files: Sequence[str]) -> Iterator[Series]:
    """Apply FILE... onto BASE and yield the Series base..applied head.

    The applied commits stay in the repository's object store (unreferenced); nothing is
    checked out unless a patch needs the `git am -3` fallback (then only while applying).
    """
    mails, _skipped = read_mail_patches(files)
    yield series_from_mails(repo_path, base, mails)


def series_from_patches(repo_path: str, base: str, files: Sequence[str]) -> Series:
    """Read FILE... (mbox or format-patch files), apply onto BASE, return the Series."""
    with applied_series(repo_path, base, files) as series:
        return series
