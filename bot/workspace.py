"""Apply a mailed series onto its base in a scratch worktree (`git am -3`, subprocess git).

The worktree lives in a temporary directory and is removed on exit, also on failure. The
commits `git am` creates land in the repository's object store (shared with the worktree)
and stay readable by id afterwards (unreferenced, until git's gc prunes them), which is
what lets the analysis and the artifact layer read the applied head.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.errors import ApplyError, InputError
from bot.sources.mail import MailPatch

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


def apply_mails(worktree: Path, mails: Sequence[MailPatch]) -> str:
    """`git am -3` every mail in order onto the worktree's HEAD; returns the new HEAD id.

    Raises ApplyError naming the first mail that does not apply and git's reason.
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
            head = run_git(["rev-parse", "HEAD"], cwd=str(worktree)).stdout.strip()
            if head == base:
                raise ApplyError(
                    f"all {len(mails)} patch(es) are already applied on the base "
                    '(git am: "No changes -- Patch already applied")',
                    input_name=mails[0].label if len(mails) == 1 else "the series",
                    hint="pass the revision the series was written for as --base "
                    "(e.g. the commit before it was merged)",
                )
            return head
        applied = run_git(["rev-list", "--count", f"{base}..HEAD"], cwd=str(worktree), check=False)
        run_git(["am", "--abort"], cwd=str(worktree), check=False)
    try:
        done = int(applied.stdout.strip())
    except ValueError:
        done = 0
    failed = mails[min(done, len(mails) - 1)]
    index = min(done, len(mails) - 1) + 1
    reason = _failure_reason(proc.stdout + "\n" + proc.stderr)
    raise ApplyError(
        f"patch {index}/{len(mails)} does not apply: {failed.subject}\n{reason}",
        input_name=failed.label,
        hint="rebase the series onto the base, or pass the --base it was written for"
        + (f" (patches 1-{done} applied cleanly)" if done > 1 else "")
        + (" (patch 1 applied cleanly)" if done == 1 else ""),
    )
