"""Test helper: build real git repositories with pygit2 and write patch mails from them."""

from __future__ import annotations

import email.utils
from pathlib import Path

import pygit2
from pygit2.enums import DiffOption, FileMode

Files = dict[str, bytes | str | None]  # path -> content (None deletes the path)


class GitRepo:
    """A non-bare repository in a temp dir with helpers to commit file sets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = pygit2.init_repository(str(path), bare=False, initial_head="master")
        self._time = 1_767_600_000

    def _sig(
        self, name: str = "Ada Example", email_addr: str = "ada@example.org"
    ) -> pygit2.Signature:
        self._time += 60
        return pygit2.Signature(name, email_addr, self._time, 60)

    def head(self, branch: str = "master") -> str | None:
        ref = self.repo.references.get(f"refs/heads/{branch}")
        return str(ref.target) if ref is not None else None

    def commit(
        self,
        files: Files,
        message: str = "change",
        *,
        branch: str = "master",
        parents: list[str] | None = None,
        author: tuple[str, str] = ("Ada Example", "ada@example.org"),
        raw_message: bytes | None = None,
        encoding: str | None = None,
    ) -> str:
        """Commit `files` on top of the branch tip (or `parents`); returns the commit id."""
        if parents is None:
            tip = self.head(branch)
            parents = [tip] if tip else []
        index = pygit2.Index()
        if parents:
            index.read_tree(self.repo[parents[0]].peel(pygit2.Commit).tree)
        for path, content in files.items():
            if content is None:
                if path in index:
                    index.remove(path)
                continue
            data = content.encode() if isinstance(content, str) else content
            blob = self.repo.create_blob(data)
            index.add(pygit2.IndexEntry(path, blob, FileMode.BLOB))
        tree = index.write_tree(self.repo)
        sig = self._sig(*author)
        if raw_message is not None:
            msg: str | bytes = raw_message
        else:
            msg = message if message.endswith("\n") else message + "\n"
        parent_ids = [pygit2.Oid(hex=p) for p in parents]
        if encoding is None:
            oid = self.repo.create_commit(None, sig, sig, msg, tree, parent_ids)
        else:
            oid = self.repo.create_commit(None, sig, sig, msg, tree, parent_ids, encoding)
        self.repo.references.create(f"refs/heads/{branch}", oid, force=True)
        if branch == "master":
            self.repo.set_head("refs/heads/master")
        return str(oid)

    def tag(self, name: str, commit: str) -> None:
        self.repo.references.create(f"refs/tags/{name}", pygit2.Oid(hex=commit), force=True)

    def patch_text(self, commit: str) -> bytes:
        """The `git diff` text of a commit against its first parent (binary included)."""
        c = self.repo[commit].peel(pygit2.Commit)
        if c.parents:
            diff = self.repo.diff(c.parents[0], c, flags=DiffOption.SHOW_BINARY)
        else:
            diff = c.tree.diff_to_tree(swap=True, flags=DiffOption.SHOW_BINARY)
        diff.find_similar()
        return b"".join(p.data for p in diff if p is not None)

    def mail(self, commit: str, n: int, total: int, *, subject: str | None = None) -> bytes:
        """The commit as a `git format-patch`-style mail (mbox "From " line included)."""
        c = self.repo[commit].peel(pygit2.Commit)
        subj = subject or f"[PATCH {n}/{total}] " + c.message.splitlines()[0]
        date = email.utils.formatdate(c.author.time, localtime=False)
        head = (
            f"From {commit} Mon Sep 17 00:00:00 2001\n"
            f"From: {c.author.name} <{c.author.email}>\n"
            f"Date: {date}\n"
            f"Subject: {subj}\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode()
        body = "\n".join(c.message.splitlines()[1:]).strip().encode()
        return head + body + b"\n---\n" + self.patch_text(commit) + b"--\n2.39.5\n\n"

    def write_mails(self, commits: list[str], out: Path) -> list[str]:
        """One format-patch file per commit in `out`; returns the paths in order."""
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, c in enumerate(commits, start=1):
            p = out / f"{i:04d}-patch.patch"
            p.write_bytes(self.mail(c, i, len(commits)))
            paths.append(str(p))
        return paths


VMSD_BASE = """\
#include "hw/misc/foo.h"

static const VMStateDescription vmstate_foo = {
    .name = "foo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, FooState),
        VMSTATE_UINT32(scratch, FooState),
        VMSTATE_UINT32(status, FooState),
        VMSTATE_END_OF_LIST()
    }
};
"""

VMSD_FIELD_REMOVED = VMSD_BASE.replace("        VMSTATE_UINT32(scratch, FooState),\n", "")
