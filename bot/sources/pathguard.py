"""Which paths a patch may write: the checks `git apply` makes (verify_path with
core.protectNTFS/protectHFS, git's defaults), so the in-memory apply refuses the same."""

from __future__ import annotations

import re

# Code points HFS+ ignores when comparing names (".g\u200cit" is ".git" there).
_HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")


class UnsafePath(Exception):
    """A path that would write outside the tree or into git's own files."""


def _is_dotgit(component: str) -> bool:
    """".git" in any spelling Windows or macOS file systems treat as the same name."""
    name = _HFS_IGNORED.sub("", component).lower().rstrip(" .")
    if name in (".git", "git~1"):
        return True
    return name.startswith(".git:") or name.startswith("git~1:")


def check_path(path: str) -> None:
    """Raise UnsafePath for an absolute path, an empty/"."/".." component or a .git one."""
    if not path:
        raise UnsafePath("empty path")
    if "\0" in path:
        raise UnsafePath(f"NUL byte in path {path!r}")
    if path.startswith("/"):
        raise UnsafePath(f"absolute path {path!r}")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise UnsafePath(f"invalid path {path!r}")
        # Backslash is a separator on Windows; git refuses these there, we refuse them always.
        for sub in part.split("\\"):
            if sub in (".", "..") or _is_dotgit(sub):
                raise UnsafePath(f"invalid path {path!r} (git's own files)")
