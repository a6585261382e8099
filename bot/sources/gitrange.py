"""A git range BASE..HEAD of a local repository -> Series (pygit2, no subprocess).

The range is walked like `git log --first-parent --reverse BASE..HEAD`: every commit on the
first-parent line is one Patch, diffed against its first parent (so a merge commit shows
what the merge brought in). For each merge commit on that line, the commits it brought in
(`git log --no-merges --reverse M^1..M` minus what BASE has) are read too, each diffed
against its own first parent, into `Series.merged` with `merged_by` naming the merge: a
finding in a pull request is attributed to the commit inside the merged branch that
introduced it (its subject and author), not to the merge. `folded` is the tree diff from
the base to the head. When BASE is not an ancestor of HEAD the old side is their merge base
(what `git diff BASE...HEAD` and GitLab show), and `Series.base` names that merge base.

Hunks are computed with zero context lines, so each Hunk is exactly a changed range.
"""

from __future__ import annotations

import os
from typing import Any

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, FileMode, SortMode

from bot.errors import InputError
from bot.series import FileChange, Hunk, Patch, Series

# A review unit larger than this is almost certainly a wrong range (e.g. v9.0..master).
MAX_COMMITS = 1000

_ZERO_OID = "0" * 40
_RANGE_HINT = "give a range like origin/master..HEAD, BASE^..HEAD or BASE~3..HEAD"


def open_repo(repo_path: str) -> pygit2.Repository:
    """Open the git repository at (or above) repo_path, or raise InputError."""
    if not os.path.exists(repo_path):
        raise InputError(
            "no such directory", input_name=repo_path, hint="pass --repo PATH of a git checkout"
        )
    try:
        found = pygit2.discover_repository(repo_path)
    except (pygit2.GitError, OSError, ValueError):
        found = None
    if not found:
        raise InputError(
            "not a git repository",
            input_name=repo_path,
            hint="pass --repo PATH of a QEMU git checkout (or a bare clone)",
        )
    try:
        return pygit2.Repository(found)
    except (pygit2.GitError, OSError, ValueError) as exc:
        raise InputError(
            f"cannot open the git repository: {exc}",
            input_name=repo_path,
            hint="check the path and its permissions",
        ) from exc


def resolve_commit(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    """The commit a revision expression names (sha, ref, tag, REV^, REV~3), or InputError."""
    if not rev:
        raise InputError("empty revision", hint=_RANGE_HINT)
    try:
        obj = repo.revparse_single(rev)
        commit = obj.peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError) as exc:
        raise InputError(
            "unknown revision",
            input_name=rev,
            hint=f"check `git rev-parse {rev}` in that repository (fetch it first?)",
        ) from exc
    assert isinstance(commit, pygit2.Commit)
    return commit


def split_range(spec: str) -> tuple[str, str]:
    """Split "BASE..HEAD" (or "BASE...HEAD"; an empty HEAD means HEAD) into its two ends."""
    sep = "..." if "..." in spec else ".."
    if sep not in spec:
        raise InputError(
            "not a range (expected BASE..HEAD)", input_name=spec or "''", hint=_RANGE_HINT
        )
    base, _, head = spec.partition(sep)
    if not base:
        raise InputError("range without a base", input_name=spec, hint=_RANGE_HINT)
    if ".." in head:
        raise InputError("more than one '..' in the range", input_name=spec, hint=_RANGE_HINT)
    return base, head or "HEAD"


def _text(raw: bytes) -> str:
    """Bytes of a commit header/message as text; never raises on bad encodings."""
    return raw.decode("utf-8", errors="replace")


def _subject(commit: pygit2.Commit) -> str:
    """First paragraph of the commit message folded onto one line (like git's %s)."""
    para = _message(commit).strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in para.splitlines()).strip()


def _author(commit: pygit2.Commit) -> str:
    """ "Name <email>" of the commit's author."""
    return _person(commit.author)


def _person(sig: pygit2.Signature) -> str:
    """ "Name <email>" of a signature (non-UTF-8 bytes replaced)."""
    return f"{_text(sig.raw_name)} <{_text(sig.raw_email)}>"


def _message(commit: pygit2.Commit) -> str:
    """The whole commit message as text, in its declared encoding."""
    raw: bytes = commit.raw_message
    try:
        return raw.decode(commit.message_encoding or "utf-8", errors="replace")
    except LookupError:
        return _text(raw)


def _path(diff_file: Any) -> str:
    """A diff side's path as text (non-UTF-8 bytes replaced, for display only)."""
    raw: bytes = diff_file.raw_path
    return raw.decode("utf-8", errors="replace")


def _blob_data(repo: pygit2.Repository, diff_file: Any) -> bytes:
    """Content of one side of a delta; submodule links become a one-line description."""
    oid = str(diff_file.id)
    if diff_file.mode == FileMode.COMMIT:
        return f"Subproject commit {oid}\n".encode()
    obj = repo.get(oid)
    if obj is None or not isinstance(obj, pygit2.Blob):
        return b""
    data: bytes = obj.data
    return data


def diff_to_changes(repo: pygit2.Repository, diff: pygit2.Diff) -> tuple[FileChange, ...]:
    """FileChanges of a tree diff: renames found, contents loaded, binaries flagged."""
    diff.find_similar(flags=DiffFind.FIND_RENAMES)
    out: list[FileChange] = []
    for patch in diff:
        if patch is None:  # unchanged entries do not produce a patch
            continue
        delta = patch.delta
        status = delta.status
        if status in (DeltaStatus.UNMODIFIED, DeltaStatus.IGNORED, DeltaStatus.UNTRACKED):
            continue
        added = status == DeltaStatus.ADDED
        deleted = status == DeltaStatus.DELETED
        old = None if added else _blob_data(repo, delta.old_file)
        new = None if deleted else _blob_data(repo, delta.new_file)
        special = any(
            f.mode in (FileMode.COMMIT, FileMode.LINK)
            for f in (delta.old_file, delta.new_file)
            if str(f.id) != _ZERO_OID
        )
        binary = (
            bool(delta.is_binary)
            or special
            or any(b"\0" in data[:8000] for data in (old, new) if data)
        )
        hunks = (
            ()
            if binary
            else tuple(
                Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks
            )
        )
        out.append(
            FileChange(
                old_path=None if added else _path(delta.old_file),
                new_path=None if deleted else _path(delta.new_file),
                old=old,
                new=new,
                hunks=hunks,
                binary=binary,
            )
        )
    return tuple(out)


def _tree_diff(
    repo: pygit2.Repository, old: pygit2.Commit | None, new: pygit2.Commit
) -> pygit2.Diff:
    """Tree diff old->new with zero context (old None: the empty tree)."""
    if old is None:
        return new.tree.diff_to_tree(context_lines=0, interhunk_lines=0, swap=True)
    return old.tree.diff_to_tree(new.tree, context_lines=0, interhunk_lines=0)


def read_version(commit: pygit2.Commit) -> str | None:
    """Content of the VERSION file at a commit (stripped), None when absent."""
    try:
        entry = commit.tree["VERSION"]
    except KeyError:
        return None
    if not isinstance(entry, pygit2.Blob):
        return None
    text = entry.data.decode("utf-8", errors="replace").strip()
    return text or None


def first_parent_commits(
    repo: pygit2.Repository, base: pygit2.Commit, head: pygit2.Commit
) -> list[pygit2.Commit]:
    """Commits of `git log --first-parent BASE..HEAD`, oldest first."""
    walker = repo.walk(head.id, SortMode.TOPOLOGICAL)
    walker.simplify_first_parent()
    walker.hide(base.id)
    commits: list[pygit2.Commit] = list(walker)
    commits.reverse()
    return commits


def merged_commits(
    repo: pygit2.Repository, base: pygit2.Commit, merge: pygit2.Commit
) -> list[pygit2.Commit]:
    """Non-merge commits a merge brought in (reachable from its other parents, not from its
    first parent nor from BASE), oldest first."""
    if len(merge.parents) < 2:
        return []
    walker = repo.walk(merge.parents[1].id, SortMode.TOPOLOGICAL | SortMode.REVERSE)
    for parent in merge.parents[2:]:
        walker.push(parent.id)
    walker.hide(merge.parents[0].id)
    walker.hide(base.id)
    return [c for c in walker if len(c.parents) <= 1]


def _patch(
    repo: pygit2.Repository, commit: pygit2.Commit, index: int, merged_by: str = ""
) -> Patch:
    """One commit as a Patch, diffed against its first parent."""
    parent = commit.parents[0] if commit.parents else None
    return Patch(
        index=index,
        commit=str(commit.id),
        subject=_subject(commit),
        author=_author(commit),
        files=diff_to_changes(repo, _tree_diff(repo, parent, commit)),
        committer=_person(commit.committer),
        message=_message(commit),
        merged_by=merged_by,
    )


def series_from_range(repo_path: str, spec: str, *, max_commits: int = MAX_COMMITS) -> Series:
    """Read BASE..HEAD of the repository at repo_path as a Series (oldest patch first)."""
    repo = open_repo(repo_path)
    base_rev, head_rev = split_range(spec)
    base = resolve_commit(repo, base_rev)
    head = resolve_commit(repo, head_rev)
    return series_between(repo, base, head, spec=spec, max_commits=max_commits)


def series_between(
    repo: pygit2.Repository,
    base: pygit2.Commit,
    head: pygit2.Commit,
    *,
    spec: str | None = None,
    max_commits: int = MAX_COMMITS,
) -> Series:
    """The Series for two resolved commits of an open repository."""
    label = spec or f"{base.short_id}..{head.short_id}"
    if base.id == head.id or repo.descendant_of(base.id, head.id):
        raise InputError(
            "BASE..HEAD has no commits",
            input_name=label,
            hint="put the older revision first; `git log --oneline BASE..HEAD` must list commits",
        )
    merge_base_id = repo.merge_base(base.id, head.id)
    if merge_base_id is None:
        raise InputError(
            "BASE and HEAD have no common history",
            input_name=label,
            hint="pick a BASE that HEAD was developed on (e.g. its upstream branch)",
        )
    old_side = base if merge_base_id == base.id else repo[merge_base_id].peel(pygit2.Commit)
    commits = first_parent_commits(repo, base, head)
    if not commits:
        raise InputError("BASE..HEAD has no commits", input_name=label, hint=_RANGE_HINT)
    inner = {
        str(c.id): merged_commits(repo, base, c) for c in commits if len(c.parents) > 1
    }
    count = len(commits) + sum(len(v) for v in inner.values())
    if count > max_commits:
        raise InputError(
            f"the range has {count} commits (limit {max_commits}); this is not a series",
            input_name=label,
            hint="review the series branch against its fork point, e.g. `$(git merge-base "
            "origin/master HEAD)..HEAD`",
        )
    patches = [_patch(repo, c, index) for index, c in enumerate(commits, start=1)]
    merged = tuple(
        _patch(repo, c, p.index, merged_by=p.commit)
        for p in patches
        for c in inner.get(p.commit, ())
    )
    folded = diff_to_changes(repo, _tree_diff(repo, old_side, head))
    return Series(
        base=str(old_side.id),
        head=str(head.id),
        patches=tuple(patches),
        folded=folded,
        base_version=read_version(old_side),
        head_version=read_version(head),
        merged=merged,
    )
