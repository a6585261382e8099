"""Review a mailed series: cheap skip, base choice, apply (in memory, `git am -3` only where
needed: bot.workspace), then the one review use case (bot.review.review)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pygit2

from bot.analyze import is_reviewable
from bot.bounded import AnalysisLimits
from bot.errors import ApplyError, BotError
from bot.mail.assemble import MailSeries
from bot.report import Report
from bot.sources.gitrange import resolve_commit
from bot.sources.mail import MailMessage

_DIFF_PATHS = re.compile(r"^diff --git a/(\S+) b/(\S+)", re.MULTILINE)


def changed_paths(messages: Sequence[MailMessage]) -> list[str]:
    """Every path named in the `diff --git` lines of the messages."""
    out: dict[str, None] = {}
    for m in messages:
        for a, b in _DIFF_PATHS.findall(m.body):
            out[a] = None
            out[b] = None
    return list(out)


def skip_reason(messages: Sequence[MailMessage], prefixes: Sequence[str]) -> str:
    """Why the series cannot matter for migration ('' when it must be reviewed)."""
    paths = changed_paths(messages)
    if any(is_reviewable(p, prefixes) for p in paths):
        return ""
    shown = ", ".join(paths[:4]) + (", ..." if len(paths) > 4 else "")
    return f"no .c/.h change under {', '.join(prefixes)}" + (
        f" (changes: {shown})" if shown else " (no diff)"
    )


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Commit | None:
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return None


def branch_at(repo: pygit2.Repository, branch: str, when: float) -> pygit2.Commit | None:
    """The newest first-parent commit of `branch` committed at or before `when`."""
    tip = _commit(repo, branch)
    if tip is None or not when:
        return tip
    c: pygit2.Commit | None = tip
    while c is not None:
        if c.commit_time <= when:
            return c
        c = c.parents[0] if c.parents else None
    return tip


@dataclass(frozen=True, slots=True)
class BaseChoice:
    """Which base a series was applied to and why."""

    commit: str
    how: str


def given_base(repo_path: str, rev: str) -> BaseChoice:
    """The base named on the command line (any revision expression), as its commit id: the
    reply names the commit the series was applied to, not the expression."""
    commit = resolve_commit(pygit2.Repository(repo_path), rev)
    sha = str(commit.id)
    said = "" if sha.startswith(rev) else f", {rev}"
    return BaseChoice(sha, f"the base given on the command line{said}")


def choose_base(
    repo_path: str, series: MailSeries, branch: str, applied_head_of: Callable[[str], str]
) -> BaseChoice:
    """`Based-on:` (the applied head of that series) > `base-commit:` > branch at its date."""
    repo = pygit2.Repository(repo_path)
    for mid in series.trailers.based_on:
        head = applied_head_of(mid)
        if head and _commit(repo, head) is not None:
            return BaseChoice(head, f"the series it is Based-on: <{mid}>")
    bc = series.trailers.base_commit
    if bc:
        c = _commit(repo, bc)
        if c is not None:
            return BaseChoice(str(c.id), "its base-commit: trailer")
    c = branch_at(repo, branch, series.date)
    if c is None:
        raise BotError(f"target branch {branch!r} not found", input_name=repo_path,
                       hint="set mail.target_branch")  # fmt: skip
    how = f"{branch} at the series' date" if series.date else f"{branch} head"
    if bc:
        how += f" (base-commit {bc[:12]} is not in the repository)"
    return BaseChoice(str(c.id), how)


@dataclass(frozen=True, slots=True)
class MailReview:
    """What reviewing one series gave: the report and the applied head (or why not)."""

    base: BaseChoice
    report: Report | None
    head: str
    apply_error: str
    applied_with: str = ""  # "in memory", or which patches needed `git am -3` and why


def review_mail_series(
    repo_path: str,
    series: MailSeries,
    base: BaseChoice,
    *,
    cache_dir: Path | None,
    build: bool = False,
    machines: tuple[str, ...] = (),
    limits: AnalysisLimits | None = None,
) -> MailReview:
    """Apply the series' patches onto base (in memory where possible) and review them
    (source analysis under `limits`, default AnalysisLimits()); `build`: with the artifact
    layer (on `machines`, default: the newest versioned ones)."""
    from bot.artifacts.pipeline import ArtifactOptions
    from bot.review import ReviewOptions, review
    from bot.sources.patches import series_from_mails

    mails = [m.as_mail_patch(source=f"<{m.msgid}>") for _, m in series.all_patches.items()]
    try:
        s = series_from_mails(repo_path, base.commit, mails, "(mailed series)")
    except ApplyError as exc:
        return MailReview(base, None, "", exc.what)
    artifacts = ArtifactOptions(machines=machines) if build else None
    limits = limits or AnalysisLimits()
    options = ReviewOptions(repo=repo_path, cache_dir=cache_dir, artifacts=artifacts,
                            limits=limits)  # fmt: skip
    return MailReview(base, review(s, options), s.head, "", s.applied_with)
