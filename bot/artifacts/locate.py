"""Where a VMStateDescription is defined (path, line), for artifact findings that only know
its name. Read from git objects of the reviewed revision, never from a work tree a build has
written: a tracked symlink (`hw/evil.c -> /dev/zero`) is a link, not a file, and blobs
larger than a cap are skipped."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pygit2

# vmsd name -> (path, line) in the reviewed tree, or None when unknown.
Locator = Callable[[str], "tuple[str, int] | None"]

MAX_FILE_BYTES = 4 * 1024 * 1024  # QEMU's biggest .c file is well under 1 MB
_VMSD = re.compile(r"VMStateDescription\s+(\w+)\s*=\s*\{")
_NAME = re.compile(r'\.name\s*=\s*"([^"]+)"')


def vmsd_table(files: Iterable[tuple[str, bytes]]) -> dict[str, tuple[str, int]]:
    """name -> (path, line) of the first definition of each VMSD name in `files`."""
    table: dict[str, tuple[str, int]] = {}
    for path, data in files:
        if b"VMStateDescription" not in data:
            continue
        text = data.decode("utf-8", errors="replace")
        for m in _VMSD.finditer(text):
            n = _NAME.search(text, m.end(), m.end() + 400)
            if n:
                table.setdefault(n.group(1), (path, text.count("\n", 0, m.start()) + 1))
    return table


def _git_c_files(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str
                 ) -> Iterator[tuple[str, bytes]]:
    for entry in sorted(tree, key=lambda e: e.name or ""):
        name = entry.name or ""
        path = f"{prefix}{name}"
        if entry.filemode == pygit2.GIT_FILEMODE_TREE:
            yield from _git_c_files(repo, repo[entry.id].peel(pygit2.Tree), path + "/")
        elif entry.filemode in (pygit2.GIT_FILEMODE_BLOB, pygit2.GIT_FILEMODE_BLOB_EXECUTABLE) \
                and name.endswith(".c"):
            blob = repo[entry.id].peel(pygit2.Blob)
            if blob.size <= MAX_FILE_BYTES:
                yield path, blob.data


def git_vmsd_locator(repo_path: str, rev: str) -> Locator:
    """A locator over the .c blobs of `rev` in the repository at `repo_path`."""
    repo = pygit2.Repository(repo_path)
    commit = repo.revparse_single(rev).peel(pygit2.Commit)
    return vmsd_table(_git_c_files(repo, commit.tree, "")).get


def _dir_c_files(root: Path) -> Iterator[tuple[str, bytes]]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".c"):
                continue
            full = os.path.join(dirpath, name)
            try:
                fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                continue  # a symlink, or gone
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
                    continue
                with os.fdopen(os.dup(fd), "rb") as f:
                    data = f.read(MAX_FILE_BYTES + 1)
            finally:
                os.close(fd)
            yield os.path.relpath(full, root), data


def vmsd_locator(src: str | Path) -> Locator:
    """A locator over a checked-out tree (benches, local use): regular files only, no
    symlink followed, size-capped. The pipeline uses git_vmsd_locator."""
    return vmsd_table(_dir_c_files(Path(src))).get
