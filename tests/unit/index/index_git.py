"""Helpers: small real git repositories built with pygit2 for the index tests."""

from __future__ import annotations

from pathlib import Path

import pygit2


def init_repo(path: Path) -> pygit2.Repository:
    """A fresh bare repository."""
    return pygit2.init_repository(str(path), bare=True)


def commit(
    repo: pygit2.Repository,
    files: dict[str, bytes | None],
    parent: str | None = None,
    when: int = 1700000000,
) -> str:
    """Commit `files` (None deletes) on top of `parent` at time `when`; returns its id."""
    index = pygit2.Index()
    parents = []
    if parent is not None:
        pc = repo[parent].peel(pygit2.Commit)
        index.read_tree(pc.tree)
        parents.append(pc.id)
    for path, data in files.items():
        if data is None:
            index.remove(path)
        else:
            oid = repo.create_blob(data)
            index.add(pygit2.IndexEntry(path, oid, pygit2.GIT_FILEMODE_BLOB))
    tree = index.write_tree(repo)
    sig = pygit2.Signature("t", "t@example.org", when, 0)
    return str(repo.create_commit(None, sig, sig, "c", tree, parents))
