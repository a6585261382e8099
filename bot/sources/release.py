"""The last release before a revision: the tag `vX.Y.0`, else the commit where VERSION became X.Y.0.

Whether a change needs compat handling depends on what the last release shipped, not on the
base commit alone: an entity the development cycle added (a vmsd, a field, a CPU model, a
property) is in no released QEMU. `last_release(repo, rev, cache_dir)` finds that release.

From `VERSION` at `rev` = `X.Y.Z` the last release is `X.Y.0` for every Z: `X.Y.50`
(development), `X.Y.9n` (release candidates of the next release) and `X.Y.z` (stable) all
come after `X.Y.0` (QEMU before 1.1 wrote `1.0`, not `1.0.0`). With tags the commit is the
tag's; a mirror without tags is searched with git's pickaxe (`git log -S X.Y.0 -- VERSION`,
~0.5 s on QEMU), and the answer is remembered in the cache directory per version (every
revision of one development cycle has the same VERSION, hence the same release).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pygit2

from bot.sources.gitrange import read_version

__all__ = ["ReleaseRef", "commit_id", "last_release", "release_version"]

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:[-.~+].*)?")
_MEMO = "release-baselines.json"


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """A release: its version, the commit that made it and the tag naming it (if any)."""

    version: str  # "10.1.0" (or "1.0" for the releases that wrote two numbers)
    commit: str  # full commit id
    tag: str | None = None  # "v10.1.0" when found by tag

    @property
    def label(self) -> str:
        """`v10.1.0 (commit 1234567890ab)`."""
        return f"v{self.version} (commit {self.commit[:12]})"


def release_version(version_text: str | None) -> tuple[str, ...]:
    """The VERSION contents that mark the last release before `version_text`, most likely
    first: "10.2.50" -> ("10.2.0",); "1.0.91" -> ("1.0.0", "1.0"). () when unreadable."""
    if not version_text:
        return ()
    m = _VERSION.fullmatch(version_text.strip())
    if m is None:
        return ()
    major, minor = m.group(1), m.group(2)
    return (f"{major}.{minor}.0", f"{major}.{minor}")


def last_release(repo_path: str, rev: str, cache_dir: Path | None = None) -> ReleaseRef | None:
    """The last release at or before `rev` (None when VERSION is missing or never matched)."""
    try:
        repo = pygit2.Repository(repo_path)
        commit = repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return None
    wanted = release_version(read_version(commit))
    if not wanted:
        return None
    for version in wanted:
        ref = _by_tag(repo, version, commit)
        if ref is not None:
            return ref
    memo = _read_memo(cache_dir)
    for version in wanted:
        sha = memo.get(version)
        if sha is not None and _is_release_commit(repo, sha, version):
            return ReleaseRef(version, sha)
    for version in wanted:
        sha = _by_pickaxe(repo_path, repo, str(commit.id), version)
        if sha is not None:
            _write_memo(cache_dir, {**memo, version: sha})
            return ReleaseRef(version, sha)
    return None


def commit_id(repo_path: str, rev: str) -> str | None:
    """The full id of the commit `rev` names (None when there is none)."""
    try:
        repo = pygit2.Repository(repo_path)
        return str(repo.revparse_single(rev).peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return None


def _is_release_commit(repo: pygit2.Repository, sha: str, version: str) -> bool:
    """Whether `sha` is a commit of this repository whose VERSION reads `version`."""
    try:
        commit = repo[sha].peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return False
    return read_version(commit) == version


def _by_tag(repo: pygit2.Repository, version: str, at: pygit2.Commit) -> ReleaseRef | None:
    name = f"v{version}"
    try:
        ref = repo.references.get(f"refs/tags/{name}")
    except (ValueError, pygit2.GitError):
        return None
    if ref is None:
        return None
    try:
        commit = ref.peel(pygit2.Commit)
    except (ValueError, pygit2.GitError):
        return None
    if commit.id != at.id and not repo.descendant_of(at.id, commit.id):
        return None  # a tag of another line of history
    return ReleaseRef(version, str(commit.id), name)


def _by_pickaxe(
    repo_path: str, repo: pygit2.Repository, rev: str, version: str
) -> str | None:
    """The newest ancestor of `rev` after which VERSION reads `version` (git log -S)."""
    try:
        out = subprocess.run(
            ["git", "-C", repo_path, "log", "--format=%H", f"-S{version}", rev, "--", "VERSION"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for sha in out.split():
        if _is_release_commit(repo, sha, version):
            return sha
    return None


def _read_memo(cache_dir: Path | None) -> dict[str, str]:
    if cache_dir is None:
        return {}
    try:
        data = json.loads((cache_dir / _MEMO).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def _write_memo(cache_dir: Path | None, memo: dict[str, str]) -> None:
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f"{_MEMO}.{os.getpid()}"
        tmp.write_text(json.dumps(memo, sort_keys=True))
        os.replace(tmp, cache_dir / _MEMO)
    except OSError:
        pass
