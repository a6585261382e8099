"""Apply a mailed series onto its base: in memory (pygit2) first, `git am -3` when needed.

apply_series() turns each mail into a commit without a worktree (bot.sources.mailinfo,
diffparse, memapply). A mail the in-memory path cannot apply faithfully (binary patch,
MIME attachments, a file the base may have renamed, ...) and every mail after it go through
`git am -3` in a scratch worktree instead, and the result says which patches went which way
and why. The worktree lives in a temporary directory and is removed on exit, also on
failure. Commits from either path land in the repository's object store and stay readable
by id afterwards (unreferenced, until git's gc prunes them), which is what lets the
analysis and the artifact layer read the applied head.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pygit2

from bot.errors import ApplyError, InputError
from bot.sources.diffparse import CorruptPatch, Unsupported, parse_patch
from bot.sources.mail import MailPatch
from bot.sources.mailinfo import MailInfo, mail_info
from bot.sources.memapply import PatchConflict, apply_patch

log = logging.getLogger(__name__)

# Fixed committer: `git am` of the same mails onto the same base gives the same commit ids.
_COMMITTER = {
    "GIT_COMMITTER_NAME": "migcheck",
    "GIT_COMMITTER_EMAIL": "migcheck@localhost",
}
# Neutralise user/system config that would change or block `git am`.
_CONFIG = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "commit.gpgSign=false",
    "-c", "core.autocrlf=false",
    "-c", "am.keepcr=false",
    "-c", "am.messageid=false",
    "-c", "advice.mergeConflict=false",
    "-c", "user.useConfigOnly=false",
)  # fmt: skip
_REASON_LINES = 6
_GIT_TIMEOUT = 600


def git_env() -> dict[str, str]:
    """Environment for git subprocesses: no inherited repo overrides, C locale, no prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_COMMITTER)
    env.update({"LC_ALL": "C", "LANG": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true"})
    return env


def run_git(
    args: Sequence[str], *, cwd: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run git with the neutral environment; InputError if git itself is missing."""
    git = shutil.which("git")
    if git is None:
        raise InputError(
            "the git program is not installed",
            hint="install git (it is needed to apply mailed patches)",
        )
    try:
        proc = subprocess.run(
            [git, *_CONFIG, *args],
            cwd=cwd,
            env=git_env(),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InputError(
            f"`git {_subcommand(args)}` took longer than {_GIT_TIMEOUT} s",
            hint="retry; check the repository",
        ) from exc
    if check and proc.returncode != 0:
        raise InputError(
            f"`git {_subcommand(args)}` failed: {_first_lines(proc.stderr, 3)}",
            hint="check that the repository is writable and not corrupt",
        )
    return proc


def _subcommand(args: Sequence[str]) -> str:
    """ "worktree add" for ["--git-dir", X, "worktree", "add", ...]: what to name in errors."""
    rest = list(args[2:] if args and args[0] == "--git-dir" else args)
    return " ".join(rest[:2])


def _first_lines(text: str, n: int) -> str:
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines[:n]) if lines else "(no message)"


def _failure_reason(output: str) -> str:
    """The useful lines of `git am` output: errors and conflicts, not the hints."""
    lines = [ln.rstrip() for ln in output.splitlines() if ln.strip()]
    keep = [
        ln
        for ln in lines
        if ln.startswith(("error:", "fatal:", "CONFLICT", "warning:"))
        or "does not apply" in ln
        or "patch failed" in ln
    ]
    chosen = keep or [
        ln for ln in lines if not ln.startswith(("hint:", "Applying:", "Patch failed at"))
    ]
    return "\n".join("  " + ln for ln in chosen[:_REASON_LINES]) or "  (git gave no reason)"


@contextmanager
def scratch_worktree(git_dir: str, commit: str) -> Iterator[Path]:
    """A detached worktree of `commit` in a temp dir; removed (and pruned) on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="migcheck-wt-"))
    wt = tmp / "tree"
    try:
        run_git(["--git-dir", git_dir, "worktree", "add", "--detach", "--quiet", str(wt), commit])
        yield wt
    finally:
        removed = False
        if wt.exists():
            proc = run_git(
                ["--git-dir", git_dir, "worktree", "remove", "--force", str(wt)], check=False
            )
            removed = proc.returncode == 0
        shutil.rmtree(tmp, ignore_errors=True)
        if not removed:  # only our own entry can be stale here; prune drops stale entries
            run_git(["--git-dir", git_dir, "worktree", "prune"], check=False)


def apply_mails(worktree: Path, mails: Sequence[MailPatch], *, first: int = 1,
                total: int | None = None) -> str:  # fmt: skip
    """`git am -3` every mail in order onto the worktree's HEAD; returns the new HEAD id.

    `first`/`total` number the mails inside the whole series (for messages). Raises
    ApplyError naming the first mail that does not apply and git's reason.
    """
    base = run_git(["rev-parse", "HEAD"], cwd=str(worktree)).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="migcheck-am-") as tmp:
        paths: list[str] = []
        for i, mail in enumerate(mails, start=1):
            p = Path(tmp) / f"{i:04d}.mbox"
            p.write_bytes(mail.as_mbox())
            paths.append(str(p))
        fmt = "mboxrd" if any(m.mboxrd for m in mails) else "mbox"
        proc = run_git(
            ["am", "-3", "--committer-date-is-author-date", f"--patch-format={fmt}",
             *paths],
            cwd=str(worktree),
            check=False,
        )  # fmt: skip
        if proc.returncode == 0:
            return run_git(["rev-parse", "HEAD"], cwd=str(worktree)).stdout.strip()
        applied = run_git(["rev-list", "--count", f"{base}..HEAD"], cwd=str(worktree), check=False)
        run_git(["am", "--abort"], cwd=str(worktree), check=False)
    try:
        done = int(applied.stdout.strip())
    except ValueError:
        done = 0
    failed = mails[min(done, len(mails) - 1)]
    index = min(done, len(mails) - 1) + first
    raise not_applying(failed, index, total or len(mails), index - 1,
                       _failure_reason(proc.stdout + "\n" + proc.stderr))  # fmt: skip


def not_applying(mail: MailPatch, index: int, total: int, done: int, reason: str) -> ApplyError:
    """The ApplyError for patch `index` of `total` (`done` before it applied cleanly)."""
    return ApplyError(
        f"patch {index}/{total} does not apply: {mail.subject}\n{reason}",
        input_name=mail.label,
        hint="rebase the series onto the base, or pass the --base it was written for"
        + (f" (patches 1-{done} applied cleanly)" if done > 1 else "")
        + (" (patch 1 applied cleanly)" if done == 1 else ""),
    )


# Fixed committer (date = author date): the same mails onto the same base give the same ids.
_MEM_COMMITTER = ("migcheck", "migcheck@localhost")


@dataclass(frozen=True, slots=True)
class AppliedSeries:
    """The applied head and how it was made: in memory, or by `git am -3` from a patch on."""

    head: str
    total: int
    fallback_from: int = 0  # 1-based patch from which `git am -3` was used; 0: never
    fallback_reason: str = ""

    @property
    def method(self) -> str:
        """One line for logs, reports and bench figures."""
        k, n = self.fallback_from, self.total
        if not k:
            return "in memory"
        if k == 1:
            return f"git am -3 ({self.fallback_reason})"
        mem = "patch 1" if k == 2 else f"patches 1-{k - 1}"
        rest = f"patch {k}" if k == n else f"patches {k}-{n}"
        return f"in memory ({mem}), git am -3 ({rest}: {self.fallback_reason})"


def _signature(name: str, email: str, when: int, offset: int) -> pygit2.Signature:
    """A signature git accepts: no angle brackets or newlines, never empty."""
    def clean(text: str) -> str:
        return " ".join(text.replace("<", "").replace(">", "").split())

    try:
        return pygit2.Signature(clean(name) or "unknown", clean(email), when, offset)
    except (ValueError, pygit2.GitError):
        return pygit2.Signature("unknown", "unknown", when, offset)


def _commit(repo: pygit2.Repository, info: MailInfo, tree: pygit2.Oid,
            parent: pygit2.Oid) -> pygit2.Oid:  # fmt: skip
    author = _signature(info.author_name, info.author_email, info.author_time,
                        info.author_offset)  # fmt: skip
    committer = _signature(*_MEM_COMMITTER, info.author_time, info.author_offset)
    oid: pygit2.Oid = repo.create_commit(None, author, committer, info.message, tree, [parent])
    return oid


def _in_memory(repo: pygit2.Repository, mail: MailPatch, parent: pygit2.Commit
               ) -> pygit2.Oid | None:  # fmt: skip
    """The commit of one mail on `parent`, None when it changes nothing (already applied).

    Raises Unsupported/CorruptPatch (let git am try) or PatchConflict (does not apply).
    """
    info = mail_info(mail.raw, mboxrd=mail.mboxrd)
    tree = apply_patch(repo, parent.tree, parse_patch(info.patch))
    if tree == parent.tree_id:
        return None
    return _commit(repo, info, tree, parent.id)


def apply_series(repo_path: str, base: str, mails: Sequence[MailPatch]) -> AppliedSeries:
    """Apply the mails in order onto commit `base`; in memory where possible.

    Raises ApplyError naming the first mail that does not apply (and why), or when every
    patch is already in the base.
    """
    repo = pygit2.Repository(repo_path)
    parent = repo.revparse_single(base).peel(pygit2.Commit)
    base_id = str(parent.id)
    total = len(mails)
    result = AppliedSeries(base_id, total)
    for k, mail in enumerate(mails):
        why = ""
        try:
            oid = _in_memory(repo, mail, parent)
        except Unsupported as exc:
            why = str(exc)
        except CorruptPatch as exc:
            why = f"unreadable diff: {exc}"
        except PatchConflict as exc:
            reason = "\n".join("  " + ln for ln in str(exc).splitlines()[:_REASON_LINES])
            raise not_applying(mail, k + 1, total, k, reason) from exc
        except (ValueError, LookupError, pygit2.GitError) as exc:
            # Hostile input the in-memory reader did not foresee: git decides; keep a trace.
            log.warning("patch %d/%d: in-memory apply failed (%s: %s)", k + 1, total,
                        type(exc).__name__, exc)  # fmt: skip
            why = f"in-memory apply failed: {type(exc).__name__}"
        if why:
            log.info("patch %d/%d: %s; applying the rest with git am -3", k + 1, total, why)
            with scratch_worktree(repo.path, str(parent.id)) as wt:
                head = apply_mails(wt, mails[k:], first=k + 1, total=total)
            result = AppliedSeries(head, total, k + 1, why)
            break
        if oid is not None:
            parent = repo[oid].peel(pygit2.Commit)
            result = AppliedSeries(str(parent.id), total)
    if result.head == base_id:
        raise ApplyError(
            f"all {total} patch(es) are already applied on the base "
            '("No changes -- Patch already applied")',
            input_name=mails[0].label if total == 1 else "the series",
            hint="pass the revision the series was written for as --base "
            "(e.g. the commit before it was merged)",
        )
    log.debug("applied %d patch(es): %s", total, result.method)
    return result
