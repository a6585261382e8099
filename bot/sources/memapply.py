"""Apply one mailed patch to a git tree in memory (pygit2): no worktree, no index file.

Follows `git am -3`: the whole patch is first applied directly (every hunk found exactly,
near its line); if any file fails, every file is merged three-way instead, with the blob
named on its `index OLD..NEW` line as the common ancestor (libgit2's file merge; a conflict
fails the patch as it fails `git am -3`). New blobs, trees and commits go to the
repository's object store, as `git am` would write them.

Never runs a filter, a merge driver or a hook: content goes from blob to blob. Paths are
checked as `git apply` checks them (bot.sources.pathguard), and a path that goes through a
symbolic link is refused. What only git can do faithfully (a file the patch changes is
missing, so the base may have renamed it; a directory/file clash; a non-UTF-8 merge
result; an ambiguous abbreviated blob id) raises Unsupported so the caller can fall back
to `git am -3`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2
from pygit2.enums import FileMode

from bot.sources.diffparse import FilePatch, HunkMismatch, Unsupported, apply_hunks
from bot.sources.pathguard import UnsafePath, check_path

Entry = tuple[pygit2.Oid, int]  # blob id, file mode
_REGULAR = int(FileMode.BLOB)
_MODES = {int(FileMode.BLOB), int(FileMode.BLOB_EXECUTABLE), int(FileMode.LINK)}


class PatchConflict(Exception):
    """The patch does not apply, directly nor three-way (what `git am -3` would refuse)."""


@dataclass(slots=True)
class TreeEdit:
    """A tree plus pending file changes; write() makes the new tree (only touched dirs)."""

    repo: pygit2.Repository
    base: pygit2.Tree
    changes: dict[str, Entry | None]

    @classmethod
    def of(cls, repo: pygit2.Repository, tree: pygit2.Tree) -> TreeEdit:
        """An edit of `tree` with nothing changed yet."""
        return cls(repo, tree, {})

    def get(self, path: str) -> Entry | None:
        """The blob id and mode at `path` now, None when absent.

        Raises PatchConflict when a leading component is a symbolic link (git refuses to
        write "beyond a symbolic link") and Unsupported when it is a regular file.
        """
        parts = path.split("/")
        for k in range(1, len(parts)):
            prefix = "/".join(parts[:k])
            entry = self._lookup(prefix)
            if entry is None:
                continue
            if entry[1] == int(FileMode.LINK):
                raise PatchConflict(f"{path}: affected file is beyond a symbolic link")
            if entry[1] != int(FileMode.TREE):
                raise Unsupported(f"{path}: a file {prefix} is in the way")
        entry = self._lookup(path)
        if entry is not None and entry[1] == int(FileMode.TREE):
            raise Unsupported(f"{path}: is a directory in the tree")
        return entry

    def _lookup(self, path: str) -> Entry | None:
        if path in self.changes:
            return self.changes[path]
        prefix = path + "/"
        if any(p.startswith(prefix) and v is not None for p, v in self.changes.items()):
            return (pygit2.Oid(hex="0" * 40), int(FileMode.TREE))  # a dir we created
        try:
            obj = self.base[path]
        except KeyError:
            return None
        return obj.id, int(obj.filemode)

    def set(self, path: str, oid: pygit2.Oid, mode: int) -> None:
        """Write a blob at path."""
        self.changes[path] = (oid, mode)

    def delete(self, path: str) -> None:
        """Remove path."""
        self.changes[path] = None

    def write(self) -> pygit2.Oid:
        """Write the changed trees; returns the new root tree id."""
        nested: dict[str, object] = {}
        for path, entry in self.changes.items():
            node = nested
            *dirs, name = path.split("/")
            for d in dirs:
                child = node.setdefault(d, {})
                if not isinstance(child, dict):
                    raise Unsupported(f"{path}: a file {d} is in the way")
                node = child
            node[name] = entry
        oid = self._write(self.base, nested)
        return oid if oid is not None else self.repo.TreeBuilder().write()

    def _write(self, tree: pygit2.Tree | None, nested: dict[str, object]) -> pygit2.Oid | None:
        tb = self.repo.TreeBuilder(tree) if tree is not None else self.repo.TreeBuilder()
        for name, value in nested.items():
            if isinstance(value, dict):
                sub = None
                if tree is not None and name in tree:
                    obj = tree[name]
                    sub = obj if isinstance(obj, pygit2.Tree) else None
                    if sub is None:  # a file replaced by a directory in this patch
                        tb.remove(name)
                sub_id = self._write(sub, value)
                if sub_id is not None:
                    tb.insert(name, sub_id, FileMode.TREE)
                elif tb.get(name) is not None:
                    tb.remove(name)
            elif isinstance(value, tuple):
                tb.insert(name, value[0], value[1])
            elif tb.get(name) is not None:
                tb.remove(name)
        if len(tb) == 0:
            return None
        written: pygit2.Oid = tb.write()
        return written


def _blob(repo: pygit2.Repository, oid: pygit2.Oid) -> bytes:
    obj = repo[oid]
    if not isinstance(obj, pygit2.Blob):
        raise Unsupported(f"{oid} is not a blob")
    data: bytes = obj.data
    return data


def _check(fp: FilePatch) -> None:
    for path in (fp.old_path, fp.new_path):
        if path is not None:
            try:
                check_path(path)
            except UnsafePath as exc:
                raise PatchConflict(str(exc)) from exc
    for mode in (fp.old_mode, fp.new_mode):
        if mode is not None and mode not in _MODES:
            raise PatchConflict(f"{fp.label}: invalid mode {mode:o}")


def apply_patch(repo: pygit2.Repository, tree: pygit2.Tree, patches: tuple[FilePatch, ...]
                ) -> pygit2.Oid:  # fmt: skip
    """The tree after applying one mail's file patches to `tree` (see the module doc).

    Raises PatchConflict (does not apply) or Unsupported (let `git am -3` try).
    """
    for fp in patches:
        _check(fp)
    edit = TreeEdit.of(repo, tree)
    failures: list[str] = []
    for fp in patches:
        try:
            _direct(repo, edit, fp)
        except PatchConflict as exc:
            failures.append(str(exc))
            break
    if not failures:
        return edit.write()
    edit = TreeEdit.of(repo, tree)
    for fp in patches:
        try:
            _threeway(repo, edit, fp)
        except PatchConflict as exc:
            raise PatchConflict("\n".join([*failures, str(exc)])) from exc
    return edit.write()


def _direct(repo: pygit2.Repository, edit: TreeEdit, fp: FilePatch) -> None:
    """`git apply --index` of one file patch onto the edit, or PatchConflict."""
    if fp.old_path is None:
        assert fp.new_path is not None
        if edit.get(fp.new_path) is not None:
            raise PatchConflict(f"error: {fp.new_path}: already exists in index")
        data = _hunks(b"", fp)
        edit.set(fp.new_path, repo.create_blob(data), fp.new_mode or _REGULAR)
        return
    cur = edit.get(fp.old_path)
    if cur is None:
        raise PatchConflict(f"error: {fp.old_path}: does not exist in index")
    before = _blob(repo, cur[0])
    data = _hunks(before, fp)
    if fp.new_path is None:
        if data:
            raise PatchConflict(f"error: removal patch leaves file contents ({fp.old_path})")
        edit.delete(fp.old_path)
        return
    mode = fp.new_mode if fp.new_mode is not None else cur[1]
    if fp.new_path != fp.old_path:
        if edit.get(fp.new_path) is not None:
            raise PatchConflict(f"error: {fp.new_path}: already exists in index")
        if not fp.copy:
            edit.delete(fp.old_path)
    oid = cur[0] if data == before else repo.create_blob(data)
    edit.set(fp.new_path, oid, mode)


def _hunks(content: bytes, fp: FilePatch) -> bytes:
    try:
        return apply_hunks(content, fp.hunks)
    except HunkMismatch as exc:
        raise PatchConflict(
            f"error: patch failed: {fp.old_path or fp.new_path}:{exc.line}\n"
            f"error: {fp.old_path or fp.new_path}: patch does not apply"
        ) from exc


def _ancestor(repo: pygit2.Repository, fp: FilePatch) -> pygit2.Oid | None:
    """The blob the patch was made against (its `index` line), None for a new file."""
    if fp.old_path is None or (fp.old_id and set(fp.old_id) == {"0"}):
        return None
    if not fp.old_id:
        raise PatchConflict(f"error: sha1 information is lacking or useless ({fp.old_path}).")
    try:
        obj = repo.get(fp.old_id)
    except ValueError as exc:  # pygit2.AmbiguousError; git would pick the blob by type
        raise Unsupported(f"{fp.old_path}: abbreviated blob id {fp.old_id} is ambiguous") from exc
    if obj is None or not isinstance(obj, pygit2.Blob):
        raise PatchConflict(f"error: sha1 information is lacking or useless ({fp.old_path}).")
    oid: pygit2.Oid = obj.id
    return oid


def _threeway(repo: pygit2.Repository, edit: TreeEdit, fp: FilePatch) -> None:
    """Merge one file patch three-way: ancestor = its index-line blob, ours = the tree."""
    anc = _ancestor(repo, fp)
    theirs_data = _hunks(_blob(repo, anc) if anc is not None else b"", fp)
    target = fp.new_path
    if anc is None:
        assert target is not None
        mode = fp.new_mode or _REGULAR
        cur = edit.get(target)
        oid = repo.create_blob(theirs_data)
        if cur is not None and cur[0] != oid:
            raise PatchConflict(f"CONFLICT (add/add): Merge conflict in {target}")
        edit.set(target, oid, mode)
        return
    assert fp.old_path is not None
    ours = edit.get(fp.old_path)
    if ours is None:
        # Our side lost the file: maybe renamed, which git's merge can follow.
        raise Unsupported(f"{fp.old_path}: not in the base tree (renamed there?)")
    if target is None:
        if ours[0] != anc:
            raise PatchConflict(f"CONFLICT (modify/delete): {fp.old_path} deleted in the patch "
                                "and modified in the base")  # fmt: skip
        edit.delete(fp.old_path)
        return
    mode = fp.new_mode if fp.new_mode is not None else ours[1]
    theirs = repo.create_blob(theirs_data)
    if ours[0] == anc:
        merged = theirs
    elif ours[0] == theirs:
        merged = theirs  # already applied
    else:
        merged = _merge_file(repo, fp.old_path, anc, ours, theirs)
    if target != fp.old_path:
        if edit.get(target) is not None:
            raise PatchConflict(f"CONFLICT (rename/add): {target} exists in the base")
        if not fp.copy:
            edit.delete(fp.old_path)
    edit.set(target, merged, mode)


def _merge_file(repo: pygit2.Repository, path: str, anc: pygit2.Oid, ours: Entry,
                theirs: pygit2.Oid) -> pygit2.Oid:  # fmt: skip
    """libgit2's three-way file merge (no attributes, no driver); PatchConflict on conflict."""
    ids = (anc, ours[0], theirs)
    if any(b"\0" in _blob(repo, oid) for oid in ids):  # pygit2 reads the result up to a NUL
        raise Unsupported(f"{path}: three-way merge of content with NUL bytes")
    anc_e, ours_e, theirs_e = (pygit2.IndexEntry(path, oid, FileMode.BLOB) for oid in ids)
    try:
        result = repo.merge_file_from_index(anc_e, ours_e, theirs_e)
    except UnicodeDecodeError as exc:  # pygit2 decodes the result as UTF-8
        raise Unsupported(f"{path}: three-way merge of non-UTF-8 content") from exc
    if not result.automergeable:
        raise PatchConflict(f"CONFLICT (content): Merge conflict in {path}")
    oid: pygit2.Oid = repo.create_blob(result.contents.encode("utf-8"))
    return oid
