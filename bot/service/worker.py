"""The worker: leases jobs and reviews merge requests on GitLab.

A `review` job: get the MR and its latest version (diff_refs), fetch base and head with
pygit2 into a local bare mirror, review base..head (bot.review.review), publish through
bot.reporters.gitlab, set the `migration-compat` commit status (bot/service/statuses.py). A
`command` job (`/check-migration [--build] [--machines M,...]`, parsed in
bot/service/commands.py): check the author's access level on the target project
(members_all), acknowledge with an award emoji, review the head the command was written for
(a later push cancels it), answer (bot/service/replies.py: never by opening a thread).
Every review reads the MR's notes for `/migcheck accept RULE REASON` lines (bot.waivers)
and keeps those whose author has `commands.min_access_level` on the project; a `waiver` job
(such a note just arrived) checks its author, re-reviews and answers what it accepted.

Transient GitLab failures (429, 5xx, connection errors, after python-gitlab's own retries)
re-queue the job with backoff; the lease is extended while a job runs, so a killed worker's
job is handed out again after the visibility timeout. Every job that ends without a result
(failed, out of retries, superseded) ends its commit status and answers its command
(`_ended`). Everything is idempotent.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gitlab
import pygit2
import requests

from bot.artifacts.pipeline import ArtifactOptions
from bot.artifacts.sandbox import Limits
from bot.config import Config
from bot.errors import BotError
from bot.logsetup import secret_env_names
from bot.redact import Redactor, cap
from bot.report import Report
from bot.reporters import gitlab_md
from bot.reporters.gitlab import DiffIndex, PublishResult, publish
from bot.review import ReviewOptions, review
from bot.series import Series
from bot.service.commands import (
    CommandArgs,
    Refused,
    has_accept,
    note_waivers,
    parse_command_args,
)
from bot.service.metrics import Metrics
from bot.service.queue import Job, JobQueue, Lease
from bot.service.replies import Replies, head_moved_reply
from bot.service.state import StateDB
from bot.service.statuses import Statuses, StatusTarget, status_ref
from bot.sources.gitrange import series_from_range
from bot.waivers import Waiver

log = logging.getLogger("migcheck.worker")

TRANSIENT_CODES = {408, 409, 425, 429, 500, 502, 503, 504}
ACCESS_NAMES = {5: "Minimal access", 10: "Guest", 15: "Planner", 20: "Reporter",
                30: "Developer", 40: "Maintainer", 50: "Owner"}  # fmt: skip
__all__ = ["CommandArgs", "Refused", "parse_command_args"]  # moved to bot.service.commands


class Transient(Exception):
    """A failure worth retrying later (GitLab busy, network down)."""


class HeadMoved(Exception):
    """The MR's head is no longer the one a command was given for."""


class Crashed(BotError):
    """A job whose lease expired too often (its worker was killed or hung): parked."""


class Overdue(Exception):
    """The job ran past queue.job_timeout: its lease was let go, its result is not posted."""


def is_transient(exc: BaseException) -> bool:
    """Whether an exception from GitLab/git should re-queue the job."""
    if isinstance(exc, Transient):
        return True
    if isinstance(exc, gitlab.exceptions.GitlabError):
        code = exc.response_code
        return code is None or code in TRANSIENT_CODES
    if isinstance(exc, requests.RequestException | ConnectionError | TimeoutError):
        return True
    return False


def failure_reply(exc: BaseException) -> str:
    """The answer to a command whose job failed: the error's first line as prose, the rest
    (a build's or git's output) in a code block so Markdown does not eat `<...>`, `#` or
    indentation, then the hint."""
    if isinstance(exc, BotError):
        head = f"{exc.input_name}: {exc.what}" if exc.input_name else exc.what
        hint = exc.hint
    else:
        head, hint = str(exc), None
    first, _, rest = head.partition("\n")
    text = f"migcheck could not run this check: {gitlab_md.text(first.rstrip())}"
    if rest.strip():
        text += "\n\n" + gitlab_md.block(rest.rstrip())
    if hint:
        text += f"\n\nhint: {gitlab_md.text(hint)}"
    return text


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch_mirror(
    mirror_root: Path,
    project_id: int,
    url: str,
    token: str,
    refspecs: list[str],
    want: list[str],
) -> str:
    """Fetch refspecs from url into a bare mirror (one per project); returns its path.

    Raises Transient when the wanted commits are still missing (GitLab may not have
    written refs/merge-requests/N/head yet)."""
    path = mirror_root / f"{project_id}.git"
    with _locked(mirror_root / f"{project_id}.lock"):
        if (path / "HEAD").exists():
            repo = pygit2.Repository(str(path))
        else:
            repo = pygit2.init_repository(str(path), bare=True)
        if "origin" in [r.name for r in repo.remotes]:
            if repo.remotes["origin"].url != url:
                repo.remotes.set_url("origin", url)
        else:
            repo.remotes.create("origin", url)
        missing = [s for s in want if s not in repo]
        if missing:
            callbacks = None
            if url.startswith(("http://", "https://")) and token:
                callbacks = pygit2.RemoteCallbacks(credentials=pygit2.UserPass("oauth2", token))
            try:
                repo.remotes["origin"].fetch(refspecs, callbacks=callbacks)
            except (pygit2.GitError, OSError) as exc:
                raise Transient(f"git fetch from {url} failed: {exc}") from exc
            missing = [s for s in want if s not in repo]
            if missing:
                raise Transient(f"commits {', '.join(m[:12] for m in missing)} not in {url}")
    return str(path)


# The review use case (bot.review.review); a parameter so tests can watch what it is given.
Reviewer = Callable[[Series, ReviewOptions], Report]


def review_options(
    cfg: Config,
    repo: str,
    args: CommandArgs,
    waivers: Sequence[Waiver] = (),
    waiver_notes: Sequence[str] = (),
) -> ReviewOptions:
    """What a job reviews with: the mirror, the index cache, the source analysis limits
    (bot.bounded), the artifact layer on --build (builds limited by review.build_timeout),
    the configured and the MR notes' waivers."""
    artifacts = None
    if args.build:
        limits = Limits(build_seconds=cfg.review.build_timeout)
        artifacts = ArtifactOptions(machines=args.machines, limits=limits)
    return ReviewOptions(repo=repo, cache_dir=cfg.cache_dir, artifacts=artifacts,
                         waivers=(*cfg.waivers, *waivers), limits=cfg.review.analysis_limits(),
                         waiver_notes=tuple(waiver_notes))  # fmt: skip


@dataclass(frozen=True, slots=True)
class NoteWaivers:
    """What the MR's `/migcheck accept` notes say: waivers of people allowed to accept,
    and one line per note or line that was not taken (who, and why)."""

    waivers: tuple[Waiver, ...] = ()
    refused: tuple[str, ...] = ()


@dataclass(slots=True)
class Outcome:
    """How a job ended, for the history and the reply."""

    status: str  # done | skipped | refused | failed
    detail: str = ""
    head: str = ""
    result: PublishResult | None = None
    waived_by: tuple[str, ...] = ()  # who waived each waived finding of the review


class Worker:
    """Runs jobs from a queue against GitLab."""

    def __init__(
        self,
        cfg: Config,
        queue: JobQueue,
        state: StateDB,
        *,
        worker_id: str | None = None,
        reviewer: Reviewer = review,
        metrics: Metrics | None = None,
    ) -> None:
        self.cfg = cfg
        self.metrics = metrics  # job durations/outcomes and findings (bot/service/metrics.py)
        self.queue = queue
        self.state = state
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.reviewer = reviewer
        # every text about a job that leaves the process (notes, state DB, queue, /status)
        self.redactor = Redactor.from_environment(names=secret_env_names(cfg))
        self._gl: Any = None
        self._bot_id = 0
        self._overdue = threading.Event()  # the running job passed queue.job_timeout

    # GitLab client ----------------------------------------------------------------------
    def gitlab(self) -> Any:
        """The python-gitlab client (authenticated once; bot user id remembered)."""
        if self._gl is None:
            gl = gitlab.Gitlab(
                self.cfg.gitlab.url,
                private_token=self.cfg.gitlab_token(),
                retry_transient_errors=True,
                timeout=self.cfg.gitlab.timeout,
            )
            gl.auth()
            assert gl.user is not None
            self._bot_id = int(gl.user.id)
            self._gl = gl
        return self._gl

    @property
    def bot_id(self) -> int:
        """The bot's own GitLab user id."""
        self.gitlab()
        return self._bot_id

    # loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, max_jobs: int | None = None) -> int:
        """Work until `stop` is set (or max_jobs ran); returns the number of jobs run."""
        ran = 0
        while not stop.is_set() and (max_jobs is None or ran < max_jobs):
            try:
                did = self.run_once()
            except Exception:
                log.exception("worker: queue error")
                did = False
            if did:
                ran += 1
            else:
                stop.wait(self.cfg.queue.poll_interval)
        return ran

    def run_once(self) -> bool:
        """Lease and run one job; False when none was due."""
        lease = self.queue.lease(self.worker_id)
        if lease is None:
            return False
        self.handle(lease)
        return True

    def _heartbeat(self, lease: Lease, stop: threading.Event) -> None:
        """Extend the lease while the job runs, up to queue.job_timeout: then the lease
        expires as if the worker had died, and the job is handed out again or parked."""
        every = max(0.5, self.cfg.queue.visibility_timeout / 3)
        deadline = time.monotonic() + self.cfg.queue.job_timeout
        while not stop.wait(every):
            if time.monotonic() >= deadline:
                log.warning("worker: job %s ran past queue.job_timeout (%g s); its lease is "
                            "no longer extended", lease.job.id, self.cfg.queue.job_timeout)
                self._overdue.set()
                return
            if not self.queue.extend(lease):
                log.warning("worker: lost the lease of job %s", lease.job.id)
                return

    def _text(self, exc: BaseException, limit: int = 2000) -> str:
        """An exception as it may be stored and shown: redacted, then capped."""
        return cap(self.redactor.redact(f"{type(exc).__name__}: {exc}"), limit)

    def _reply(self, exc: BaseException) -> str:
        """failure_reply(exc), redacted and capped for a note."""
        return cap(self.redactor.redact(failure_reply(exc)), 8000)

    def handle(self, lease: Lease) -> None:
        """Run one leased job and ack, retry or fail it; park it when its leases expired
        queue.max_crashes times (or it ran out of attempts that way)."""
        job = lease.job
        row = self.state.job_started(job.id, job.kind, job.mr_key, str(job.payload.get("head", "")))
        q = self.cfg.queue
        if job.expired >= q.max_crashes or job.attempts > q.max_attempts:
            exc = Crashed(f"the review stopped {job.expired} times without an answer: the "
                          "worker running it was killed (out of memory?) or it ran past "
                          f"queue.job_timeout ({q.job_timeout:g} s)",
                          hint="the operator can find it in the service log")  # fmt: skip
            text = self._text(exc)
            log.error("worker: job %s (%s) parked: %s", job.id, job.mr_key, text)
            self.state.job_finished(row, "parked", text)
            self.state.set_error(f"job {job.id} {job.mr_key}: {text}")
            self._ended(job, "parked", exc)
            self.queue.ack(lease, "failed")
            self._observe(job.kind, "failed", time.monotonic())
            return
        stop = threading.Event()
        self._overdue.clear()
        hb = threading.Thread(target=self._heartbeat, args=(lease, stop), daemon=True)
        hb.start()
        started = time.monotonic()
        try:
            outcome = self.execute(job)
        except Overdue as exc:  # another worker has it (or will): parks or reruns it
            log.warning("worker: job %s (%s): %s", job.id, job.mr_key, exc)
            self.state.job_finished(row, "overdue", str(exc))
            self._observe(job.kind, "failed", started)
            return
        except Exception as exc:
            stop.set()
            text = self._text(exc)
            if is_transient(exc):
                state = self.queue.retry(lease, text)
                log.warning(
                    "worker: job %s (%s) transient error, now %s: %s",
                    job.id,
                    job.mr_key,
                    state,
                    text,
                )
                self.state.job_finished(row, f"retry:{state}", text)
                self.state.set_error(f"job {job.id} {job.mr_key}: {text}")
                self._observe(job.kind, "retry", started)
                if state != "queued":  # failed, parked or superseded: this job ends here
                    self._ended(job, state, exc)
                return
            if isinstance(exc, BotError):  # the series' own fault (no build, no apply): no trace
                log.warning("worker: job %s (%s) failed: %s", job.id, job.mr_key, text)
            else:
                log.exception("worker: job %s (%s) failed", job.id, job.mr_key)
            self.state.job_finished(row, "failed", text)
            self.state.set_error(f"job {job.id} {job.mr_key}: {text}")
            self._ended(job, "failed", exc)
            self.queue.ack(lease, "failed")
            self._observe(job.kind, "failed", started)
            return
        finally:
            stop.set()
        self.state.job_finished(row, outcome.status, outcome.detail, outcome.head)
        self.queue.ack(lease, "done")
        self._observe(job.kind, "skipped" if outcome.status == "skipped" else outcome.status,
                      started)  # fmt: skip
        log.info("worker: job %s %s %s: %s", job.id, job.kind, outcome.status, outcome.detail)

    def _observe(self, kind: str, outcome: str, started: float) -> None:
        if self.metrics is not None:
            self.metrics.observe_job(kind, outcome, time.monotonic() - started)

    def execute(self, job: Job) -> Outcome:
        """Run a job's work (exceptions propagate to handle())."""
        if job.kind == "review":
            return self.review(int(job.payload["project_id"]), int(job.payload["iid"]))
        if job.kind == "command":
            return self.command(job)
        if job.kind == "waiver":
            return self.waiver(job)
        return Outcome("failed", f"unknown job kind {job.kind!r}")

    def _ended(self, job: Job, how: str, exc: BaseException) -> None:
        """A job ended without a result (failed, parked, superseded): end the commit status
        it left running and answer once: a command in its thread, an automatic review with
        one note to the MR's author. Best effort: GitLab may be down."""
        try:
            statuses = self._statuses()
            if how == "superseded":
                statuses.finish(job.mr_key, "canceled", "superseded by a newer push")
            else:
                statuses.finish(job.mr_key, "failed",
                                self.redactor.redact(status_failure(exc, how)))  # fmt: skip
        except Exception:
            log.warning("worker: job %s: could not end its commit status", job.id, exc_info=True)
        if job.kind not in ("command", "waiver", "review"):
            return
        with contextlib.suppress(Exception):
            if job.kind == "review":
                if how != "superseded":
                    _, mr = self._mr(job)
                    author = str((getattr(mr, "author", None) or {}).get("username") or "")
                    Replies(mr, {"username": author}, self.bot_id).post(
                        self._reply(exc), step=f"job{job.id}")
                return
            replies = self._replies(job)
            if how == "superseded":
                replies.post("not finished: a newer check of this merge request replaced it.",
                             step="end")  # fmt: skip
            else:
                replies.post(self._reply(exc), step="end")
                replies.award("x")

    def _statuses(self) -> Statuses:
        url = ""
        if self.cfg.service.public_url:
            url = self.cfg.service.public_url.rstrip("/") + "/status"
        return Statuses(self.gitlab(), self.state, name=self.cfg.review.status_name,
                        target_url=url)  # fmt: skip

    # review -----------------------------------------------------------------------------
    def review(
        self, project_id: int, iid: int, *, args: CommandArgs | None = None, pinned: str = ""
    ) -> Outcome:
        """Review the MR's current head (or the `pinned` one a command was given for) and
        publish (idempotent)."""
        args = args or CommandArgs()
        gl = self.gitlab()
        project = gl.projects.get(project_id)
        mr = project.mergerequests.get(iid)
        if mr.state != "opened":
            return Outcome("skipped", f"merge request is {mr.state}")
        versions = mr.diffs.list(get_all=True)
        if not versions:
            raise Transient("the merge request has no diff version yet")
        latest = max(versions, key=lambda v: int(v.id))
        if pinned and latest.head_commit_sha != pinned:
            raise HeadMoved(head_moved_reply(pinned, str(latest.head_commit_sha)))
        version = mr.diffs.get(latest.id)
        refs = {
            "base_sha": version.base_commit_sha,
            "start_sha": version.start_commit_sha,
            "head_sha": version.head_commit_sha,
        }
        head = refs["head_sha"]
        key = f"{project_id}!{iid}"
        statuses = self._statuses()
        target = StatusTarget(project_id, head, status_ref(mr))
        statuses.running(key, target, "migcheck is reviewing")
        url = str(getattr(project, "http_url_to_repo", "") or "")
        mirror = fetch_mirror(
            self.cfg.state_dir / "mirrors",
            project_id,
            url,
            self.cfg.gitlab_token(),
            [
                f"+refs/merge-requests/{iid}/head:refs/mr/{iid}/head",
                f"+refs/heads/{mr.target_branch}:refs/remotes/origin/{mr.target_branch}",
            ],
            [refs["base_sha"], head],
        )
        series = series_from_range(mirror, f"{refs['base_sha']}..{head}")
        accepted = self.note_waivers(project, mr)
        options = review_options(self.cfg, mirror, args, accepted.waivers, accepted.refused)
        report = self.reviewer(series, options)
        if self._overdue.is_set():
            raise Overdue(f"done after queue.job_timeout ({self.cfg.queue.job_timeout:g} s); "
                          "its result is not posted")
        if self.metrics is not None:
            self.metrics.count_findings(report.findings)
        if pinned:  # a long --build: the author may have pushed meanwhile
            now = project.mergerequests.get(iid).sha
            if now and now != pinned:
                raise HeadMoved(head_moved_reply(pinned, str(now)))
        diff = DiffIndex.from_gitlab(version.diffs, refs)

        def remember(fp: str, did: str, nid: int, st: str) -> None:
            self.state.record_posted(key, fp, did, nid, st)

        result = publish(
            mr,
            report,
            diff,
            bot_user_id=self.bot_id,
            cap=self.cfg.review.max_inline_comments,
            fail_on=self.cfg.review.fail_on,
            version_id=int(latest.id),
            on_thread=remember,
        )
        state = "failed" if result.verdict == "fail" else "success"
        desc = {
            "fail": f"{len(report.findings)} migration finding(s)",
            "warn": f"{len(report.findings)} finding(s) below the failure threshold",
            "clean": "no migration impact found",
        }[result.verdict]
        statuses.finish(key, state, desc, target)
        self.state.set_reviewed(key, head, result.verdict)
        detail = (
            f"{result.verdict}: {len(report.findings)} findings, {result.posted} posted, "
            f"{result.edited} edited, {result.unchanged} unchanged, {result.resolved} resolved, "
            f"{result.in_summary} in summary"
            + (f", {result.not_resolved} not resolved (403)" if result.not_resolved else "")
        )
        waived = tuple(f.waived.by for f in report.findings if f.waived is not None)
        return Outcome("done", detail, head, result, waived)

    # commands ---------------------------------------------------------------------------
    def _mr(self, job: Job) -> tuple[Any, Any]:
        project = self.gitlab().projects.get(int(job.payload["project_id"]))
        return project, project.mergerequests.get(int(job.payload["iid"]))

    def _replies(self, job: Job, mr: Any = None) -> Replies:
        if mr is None:
            _, mr = self._mr(job)
        return Replies(mr, job.payload, self.bot_id)

    def permission(self, project: Any, mr: Any, user_id: int) -> tuple[bool, str]:
        """(allowed, why) for a user running the command on this MR."""
        need = self.cfg.commands.min_access_level
        level = self.access_level(project, user_id)
        if level >= need:
            return True, ""
        author = (getattr(mr, "author", None) or {}).get("id")
        if self.cfg.commands.allow_author and author == user_id:
            return True, ""
        have = ACCESS_NAMES.get(level, f"access level {level}") if level else "not a member"
        return False, (
            f"`/{self.cfg.commands.name}` needs {ACCESS_NAMES.get(need, str(need))} access or "
            f"more on this project (you: {have})"
            + (", or being the merge request's author" if self.cfg.commands.allow_author else "")
            + ". Ask a project maintainer to run it; the automatic review of every push "
            "still runs."
        )

    def access_level(self, project: Any, user_id: int) -> int:
        """The user's access level on the project (0: not a member)."""
        try:
            return int(project.members_all.get(user_id).access_level)
        except gitlab.exceptions.GitlabGetError as exc:
            if exc.response_code != 404:
                raise
            return 0

    def _may_accept(self, level: int) -> tuple[bool, str]:
        """(allowed, why not) for accepting findings: commands.min_access_level on the
        project; being the merge request's author is not enough (nobody waives their own)."""
        need = self.cfg.commands.min_access_level
        if level >= need:
            return True, ""
        have = ACCESS_NAMES.get(level, f"access level {level}") if level else "not a member"
        return False, (f"accepting a finding needs {ACCESS_NAMES.get(need, str(need))} access "
                       f"or more on this project (you: {have})")  # fmt: skip

    def note_waivers(self, project: Any, mr: Any) -> NoteWaivers:
        """Waivers from the MR's `/migcheck accept` notes, by people allowed to accept."""
        waivers: list[Waiver] = []
        refused: list[str] = []
        levels: dict[int, int] = {}
        for note in mr.notes.list(get_all=True, sort="asc", order_by="created_at"):
            body = str(getattr(note, "body", "") or "")
            author = getattr(note, "author", None) or {}
            uid = int(author.get("id") or 0)
            if getattr(note, "system", False) or uid == self.bot_id or not has_accept(body):
                continue
            user = str(author.get("username") or f"user {uid}")
            if uid not in levels:
                levels[uid] = self.access_level(project, uid)
            allowed, why = self._may_accept(levels[uid])
            if not allowed:
                refused.append(f"@{user}'s /migcheck accept (note {note.id}) ignored: {why}")
                continue
            got, problems = note_waivers(body, user, note.id)
            waivers += got
            refused += [f"@{user} (note {note.id}): {p}" for p in problems]
        return NoteWaivers(tuple(waivers), tuple(refused))

    def _note_job(self, job: Job) -> tuple[dict[str, Any], int, Any, Any, Replies] | Outcome:
        """(payload, author id, project, MR, replies) of a note's job; an Outcome when the
        note is the bot's own."""
        user_id = int(job.payload.get("user_id") or 0)
        if user_id == self.bot_id:
            return Outcome("skipped", "the bot's own note")
        project, mr = self._mr(job)
        return job.payload, user_id, project, mr, self._replies(job, mr)

    def waiver(self, job: Job) -> Outcome:
        """A `/migcheck accept` note arrived: check its author, re-review (every review reads
        the accept notes), answer which findings it accepted."""
        started = self._note_job(job)
        if isinstance(started, Outcome):
            return started
        p, user_id, project, mr, replies = started
        allowed, why = self._may_accept(self.access_level(project, user_id))
        if not allowed:
            replies.post(f"sorry, I did not accept this: {why}. Ask a project maintainer.",
                         step="refused")  # fmt: skip
            replies.award("no_entry_sign")
            return Outcome("refused", why)
        note = mr.notes.get(int(p["note_id"]))
        user = str(p.get("username") or f"user {user_id}")
        mine, problems = note_waivers(str(note.body or ""), user, note.id)
        if not mine:
            text = "; ".join(problems) or "no `/migcheck accept RULE REASON` line found"
            replies.post(gitlab_md.text(text) + ". Usage: `/migcheck accept MIG004 <reason>`",
                         step="refused")  # fmt: skip
            replies.award("question")
            return Outcome("refused", text)
        replies.award("eyes")
        outcome = self.review(int(p["project_id"]), int(p["iid"]))
        res = outcome.result
        if res is None:
            replies.post(f"noted; nothing to review right now: {outcome.detail}.", step="end")
            return Outcome("done", outcome.detail, outcome.head)
        rules = ", ".join(gitlab_md.code(w.describe()) for w in mine)
        n = outcome.waived_by.count(f"@{user}")
        text = (f"accepted {rules} by @{gitlab_md.text(user)}: {n} finding(s) of "
                f"`{outcome.head[:12]}` are now notes that give your reason; verdict "
                f"**{res.verdict}**.")  # fmt: skip
        if problems:
            text += " Not taken: " + gitlab_md.text("; ".join(problems))
        replies.post(text, step="end")
        replies.award("thumbsup")
        return replace(outcome, detail=f"waiver: {outcome.detail}")

    def command(self, job: Job) -> Outcome:
        """`/check-migration`: check permission, acknowledge, review the head the command
        was written for, answer (see bot/service/replies.py)."""
        started = self._note_job(job)
        if isinstance(started, Outcome):
            return started
        p, user_id, project, mr, replies = started
        allowed, why = self.permission(project, mr, user_id)
        if not allowed:
            replies.post(f"sorry, I did not run the migration check: {why}", step="refused")
            replies.award("no_entry_sign")
            return Outcome("refused", why)
        try:
            args = parse_command_args(str(p.get("args") or ""), self.cfg.commands.name)
        except Refused as exc:
            replies.post(str(exc), step="refused")
            replies.award("question")
            return Outcome("refused", str(exc))
        pinned = str(p.get("head") or "")
        if pinned and mr.sha and mr.sha != pinned:  # pushed after the command: not this head
            replies.post(head_moved_reply(pinned, str(mr.sha)), step="end")
            replies.award("fast_forward")
            return Outcome("canceled", f"head moved from {pinned[:12]} to {str(mr.sha)[:12]}")
        replies.award("eyes")
        try:
            outcome = self.review(int(p["project_id"]), int(p["iid"]), args=args, pinned=pinned)
        except HeadMoved as exc:  # pushed while the check ran: its result is for an old head
            self._statuses().finish(job.mr_key, "canceled", "the head moved during the check")
            replies.post(str(exc), step="end")
            replies.award("fast_forward")
            return Outcome("canceled", "head moved during the check")
        res = outcome.result
        if res is None:
            replies.post(f"nothing to check: {outcome.detail}.", step="end")
            replies.award("white_check_mark")
            return Outcome("done", outcome.detail, outcome.head)
        mode = "source + build" if args.build else "source"
        text = (
            f"migration check ({mode}) of `{outcome.head[:12]}` done: **{res.verdict}** — "
            f"{res.posted} new inline comment(s), {res.edited} updated, {res.resolved} resolved, "
            f"{res.in_summary} in the summary note."
        )
        replies.post(text, step="end")
        replies.award("white_check_mark" if res.verdict != "fail" else "x")
        return replace(outcome, detail=f"command: {outcome.detail}")


def status_failure(exc: BaseException, how: str) -> str:
    """The commit status description of a job that failed (public: no output, no trace)."""
    tail = " after repeated attempts" if how != "failed" else ""
    if isinstance(exc, BotError):
        first = exc.what.split("\n", 1)[0].strip()
        return f"migcheck could not review this head{tail}: {first}"[:140]
    return f"migcheck could not review this head{tail} (internal error; see the service log)"
