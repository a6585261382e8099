"""Git access of the index: revisions, the C files of a tree, blobs (pygit2)."""

from __future__ import annotations

from collections.abc import Sequence

import pygit2

from bot.errors import InputError

C_SUFFIXES = (".c", ".h", ".inc")


def open_repo(repo_path: str) -> pygit2.Repository:
    """The repository at repo_path; InputError when it is not one."""
    try:
        return pygit2.Repository(repo_path)
    except (pygit2.GitError, KeyError) as exc:
        raise InputError(
            f"{repo_path}: not a git repository ({exc}); pass the path of a QEMU clone"
        ) from exc


def resolve_tree(repo: pygit2.Repository, rev: str) -> pygit2.Tree:
    """The root tree of a revision; InputError when there is no such revision."""
    try:
        obj = repo.revparse_single(rev)
        tree = obj.peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError) as exc:
        raise InputError(
            f"{rev!r}: no such revision in {repo.path} ({exc}); give a commit, tag or branch"
        ) from exc
    return tree


def list_c_files(tree: pygit2.Tree, suffixes: Sequence[str] = C_SUFFIXES) -> list[tuple[str, str]]:
    """(path, blob id hex) of every regular C file of a git tree, in path order."""
    out: list[tuple[str, str]] = []
    sfx = tuple(suffixes)
    stack: list[tuple[str, pygit2.Tree]] = [("", tree)]
    while stack:
        prefix, t = stack.pop()
        for entry in t:
            name = entry.name or ""
            if isinstance(entry, pygit2.Tree):
                stack.append((prefix + name + "/", entry))
            elif (
                isinstance(entry, pygit2.Blob)
                and entry.filemode != pygit2.GIT_FILEMODE_LINK
                and name.endswith(sfx)
            ):
                out.append((prefix + name, str(entry.id)))
    out.sort()
    return out


def blob_id_at(tree: pygit2.Tree, path: str) -> str | None:
    """Blob id of a regular file at `path` in a tree; None when absent, a link or a tree."""
    try:
        entry = tree[path]
    except (KeyError, ValueError, pygit2.GitError):
        return None
    if entry.type_str != "blob" or entry.filemode == pygit2.GIT_FILEMODE_LINK:
        return None
    return str(entry.id)


def read_blob(repo: pygit2.Repository, blob_id: str) -> pygit2.Blob:
    """The blob with that id (InputError when the id names something else)."""
    obj = repo[blob_id]
    if not isinstance(obj, pygit2.Blob):
        raise InputError(f"{blob_id}: expected a blob in {repo.path}")
    return obj


def blob_size(repo: pygit2.Repository, blob_id: str) -> int:
    """Size of a blob in bytes, read from the object header when possible."""
    # read_header does not inflate the object: 50x cheaper than loading the blob
    try:
        return int(repo.odb.read_header(blob_id)[1])
    except (AttributeError, KeyError, ValueError, pygit2.GitError):
        return len(read_blob(repo, blob_id).data)


def changed_c_files(repo_path: str, base_rev: str, head_rev: str) -> list[str]:
    """C paths whose blob differs between two revisions (added, removed or modified)."""
    repo = open_repo(repo_path)
    old = dict(list_c_files(resolve_tree(repo, base_rev)))
    new = dict(list_c_files(resolve_tree(repo, head_rev)))
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
