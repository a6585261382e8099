"""Limits: no review runs unbounded, and a job that keeps failing is answered once.

- The source analysis runs in a child process with wall, CPU and memory limits, after input
  caps on file size, files and patches (bot/bounded.py); over a limit the verdict is one
  "too large to review: <which limit>" finding — from the CLI (exit 1), on the merge request
  (summary note, failed status) and in the mail reply; not a hang, not a traceback.
  Before: a 10 MB .c file took more than 300 s in every front end.
- A job that kills its worker (out of memory) is parked after queue.max_crashes expired
  leases with one note to the author. Before: it ran again up to max_attempts times, and
  nobody was told.
- What a failing job's error says is redacted and capped before it is posted, stored or shown
  on /status. Before: a GitLab error page echoing the bot's token reached the note, the state
  DB and /status.

Real parts: the sample QEMU-like repo, the CLI and workers as processes, the loopback GitLab,
the service's SQLite queue and state DB, aiosmtpd on loopback. The big C files are generated
by bench/vmsd_many.py (never committed).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakegitlab import FakeGitLab, mr_hook
from gitlabfix import (
    ALICE,
    BOT,
    BOT_TOKEN,
    IID,
    PID,
    SECRET,
    STATUS_TOKEN,
    SampleRepo,
    ServerThread,
    reply_to,
    wait_until,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]
for sub in ("bench", "tests/unit/mail", "tests/integration/mail"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

from mailenv import mail_env  # noqa: E402
from mailfix import series_mails  # noqa: E402
from vmsd_many import source  # noqa: E402

from bot.bounded import MIB, AnalysisLimits  # noqa: E402
from bot.commands.serve import Service, build_service  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.review import ReviewOptions, review  # noqa: E402
from bot.service.queue import open_queue  # noqa: E402
from bot.service.worker import Worker  # noqa: E402
from bot.sources.gitrange import series_from_range  # noqa: E402

BIG = "hw/misc/many.c"
TEN_MB = 8000  # devices: a 10.4 MB file with 24,000 vmsds
ONE_MB = 1000  # devices: a 1.3 MB file with 3,000 vmsds


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> SampleRepo:
    """The sample repo with branches `ten` and `one` adding the generated files."""
    r = SampleRepo(tmp_path_factory.mktemp("limits") / "qemu")
    for branch, devices in (("ten", TEN_MB), ("one", ONE_MB)):
        r.apply(branch, [])
        r.commit_on(branch, BIG, source(devices, set()).decode(), f"hw/misc: {branch}")
    return r


def _limit(report: Any) -> str:
    (f,) = report.findings
    assert f.rule == "LIMIT" and f.severity.value == "error", f
    return str(f.message)


def test_the_cli_answers_a_10_mb_file_too_large_with_exit_1(repo: SampleRepo,
                                                             tmp_path: Path) -> None:
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "bot", "check", "--repo", str(repo.path),
                          "master..ten", "--cache-dir", str(tmp_path / "cache"), "--quiet"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    took = time.monotonic() - t0
    assert out.returncode == 1, (out.returncode, out.stdout, out.stderr[-2000:])
    assert "too large to review" in out.stdout and "review.max_file_bytes" in out.stdout
    assert "Traceback" not in out.stderr
    assert took < 60, took


@pytest.mark.parametrize("branch,limits,key", [
    ("one", AnalysisLimits(seconds=1), "review.analysis_seconds"),
    ("one", AnalysisLimits(cpu_seconds=1), "review.analysis_cpu_seconds"),
    ("ten", AnalysisLimits(memory=150 * MIB, max_file_bytes=64 * MIB),
     "review.analysis_memory_mb"),
    ("series", AnalysisLimits(max_patches=2), "review.max_patches"),
    ("series", AnalysisLimits(max_files=1), "review.max_files"),
])  # fmt: skip
def test_each_limit_ends_the_review_with_a_finding_naming_it(
    repo: SampleRepo, tmp_path: Path, branch: str, limits: AnalysisLimits, key: str
) -> None:
    series = series_from_range(str(repo.path), f"master..{branch}")
    t0 = time.monotonic()
    report = review(series, ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "c",
                                          limits=limits))  # fmt: skip
    assert key in _limit(report) and "too large to review: " in _limit(report)
    assert time.monotonic() - t0 < limits.seconds + 60


def test_a_prestarted_child_reviews_under_the_same_limits(repo: SampleRepo,
                                                          tmp_path: Path) -> None:
    """`check` starts the analysis child before it reads the series (bot.bounded.prestart):
    the child then gets the request, under the limits it was started with — the same
    report as a child started for it, a limit still ends it."""
    from bot import bounded

    series = series_from_range(str(repo.path), "master..series")
    opts = ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "c", limits=AnalysisLimits())
    fresh = review(series, opts)
    bounded.prestart(AnalysisLimits())
    child = bounded._started
    assert child is not None
    again = review(series, opts)
    assert bounded._started is None and child.job.proc.poll() is not None
    assert again.findings == fresh.findings and again.findings  # the sample series breaks
    one = series_from_range(str(repo.path), "master..one")
    bounded.prestart(AnalysisLimits(seconds=1))
    slow = review(one, ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "c1",
                                     limits=AnalysisLimits(seconds=1)))  # fmt: skip
    assert "review.analysis_seconds" in _limit(slow)


def test_an_unused_prestarted_child_is_stopped_and_its_files_removed(tmp_path: Path) -> None:
    from bot import bounded

    bounded.prestart(AnalysisLimits())
    child = bounded._started
    assert child is not None
    scratch = child.req.parent
    assert scratch.is_dir()
    bounded.discard_prestarted()
    assert child.job.proc.poll() is not None and not scratch.exists()
    # a child prestarted for other limits is not used for a review (a fresh one is)
    bounded.prestart(AnalysisLimits(seconds=5))
    other = bounded._started
    assert other is not None
    taken = bounded._take_child(AnalysisLimits(), None)
    try:
        assert taken is not other and other.job.proc.poll() is not None
        assert taken.limits == AnalysisLimits()
    finally:
        taken.close()


def test_the_cli_stops_the_child_it_started_early_when_no_review_follows(
    repo: SampleRepo, tmp_path: Path
) -> None:
    """bot.cli starts `check`'s analysis child before it parses the arguments: bad input
    (or a review) leaves no child and no scratch dir behind."""
    from bot import bounded
    from bot.cli import main

    started: list[Any] = []
    real = bounded._Child.__init__

    def spy(self: Any, *a: Any, **kw: Any) -> None:
        real(self, *a, **kw)
        started.append(self)

    bounded._Child.__init__ = spy  # type: ignore[method-assign]
    try:
        assert main(["check", "--repo", str(repo.path), "nothing-here"]) == 2
        with pytest.raises(SystemExit):
            main(["check", "--no-such-flag"])
        assert main(["check", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "c"),
                     "--format", "json", "--fail-on", "never", "master..series"]) == 0
    finally:
        bounded._Child.__init__ = real  # type: ignore[method-assign]
    assert len(started) == 3 and bounded._started is None
    for child in started:
        assert child.job.proc.poll() is not None and not child.req.parent.exists()


# GitLab --------------------------------------------------------------------------------------
@contextmanager
def gitlab(tmp_path: Path, repo: SampleRepo, branch: str, *, workers: int = 1,
           **overrides: Any) -> Iterator[tuple[FakeGitLab, Service, str, httpx.Client, Path]]:
    """The loopback GitLab with one MR of `branch`, and the service (web + `workers`)."""
    fake = FakeGitLab()
    fake.add_user(BOT, "migcheck-bot", BOT_TOKEN)
    fake.add_user(ALICE, "alice", "alice-token")
    fake.add_project(PID, "qemu-project/qemu", str(repo.path), members={BOT: 30, ALICE: 30})
    fake.add_mr(PID, IID, author_id=ALICE, source=branch)
    with fake.serve():
        cfg = write_config(tmp_path / "m.toml", fake.base_url, tmp_path / "state", **overrides)
        svc = build_service(load_config(cfg))
        try:
            with ServerThread(svc.app) as server, httpx.Client(timeout=10) as client:
                if workers:
                    svc.start_workers(workers)
                yield fake, svc, server.url, client, cfg
        finally:
            svc.close()


def _hook(client: httpx.Client, url: str, payload: dict[str, Any], event: str) -> None:
    r = client.post(f"{url}/webhooks/gitlab", json=payload,
                    headers={"X-Gitlab-Token": SECRET, "X-Gitlab-Event": event})
    assert r.status_code == 202, r.text


def _bot_notes(fake: FakeGitLab) -> list[str]:
    return [str(n["body"]) for n in fake.all_notes(PID, IID) if n["author"]["id"] == BOT]


def _statuses(fake: FakeGitLab) -> list[tuple[str, str]]:
    return [(s["status"], str(s.get("description") or ""))
            for (_, _), ss in fake.statuses.items() for s in ss]  # fmt: skip


def test_a_merge_request_with_a_10_mb_file_is_answered_too_large(
    repo: SampleRepo, tmp_path: Path, env: None
) -> None:
    with gitlab(tmp_path, repo, "ten") as (fake, _svc, url, client, _):
        _hook(client, url, mr_hook(fake, PID, IID, "open"), "Merge Request Hook")
        summary = wait_until(lambda: [b for b in _bot_notes(fake) if "migcheck:summary" in b],
                             120)[0]  # fmt: skip
        wait_until(lambda: any(s == "failed" for s, _ in _statuses(fake)), 30)
    text = summary.replace("\\", "")  # Markdown escapes
    assert "too large to review" in text and "review.max_file_bytes" in text, summary


def test_a_job_that_kills_its_worker_is_parked_with_one_note(
    repo: SampleRepo, tmp_path: Path, env: None
) -> None:
    """Each worker is killed (SIGKILL, as the OOM killer does) while it reviews; after
    queue.max_crashes expired leases the next worker parks the job and tells the author."""
    # queue.max_crashes: its default, 2
    with gitlab(tmp_path, repo, "one", workers=0, queue__visibility_timeout=2.0) as (
            fake, svc, url, client, cfg):  # fmt: skip
        _hook(client, url, mr_hook(fake, PID, IID, "open"), "Merge Request Hook")
        (job,) = svc.queue.recent()

        def worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, "-m", "bot", "worker", "--config",
                                     str(cfg), "--no-mail", "--max-jobs", "1"], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        for attempt in (1, 2):
            w = worker()
            try:
                wait_until(lambda a=attempt: (i := svc.queue.get(job.id)) is not None
                           and i.state == "leased" and i.attempts == a, 60)  # fmt: skip
                # killed while it analyses (the analysis child runs), as the OOM killer would
                wait_until(lambda p=w.pid: _children(p), 60)
                assert w.poll() is None, "the review ended before the worker was killed"
            finally:
                os.kill(w.pid, signal.SIGKILL)
                w.wait(10)
        w = worker()
        try:
            assert w.wait(120) == 0
        finally:
            if w.poll() is None:
                w.kill()
        info = svc.queue.get(job.id)
        notes = _bot_notes(fake)
        statuses = _statuses(fake)
        runs = svc.state.history(10)
    assert info is not None and info.state == "failed", info
    assert len(notes) == 1 and "could not run this check" in notes[0], notes
    assert "stopped 2 times" in notes[0] and "@alice" in notes[0], notes
    assert not any("migcheck:summary" in n for n in notes)  # it was not run a third time
    assert statuses[-1][0] == "failed" and "repeated attempts" in statuses[-1][1], statuses
    assert runs[0].status == "parked", runs


def _children(pid: int) -> list[str]:
    """The pids of a process's children (from /proc)."""
    out: list[str] = []
    for f in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += f.read_text().split()
        except OSError:
            pass
    return out


def test_a_job_past_its_maximum_time_is_let_go_and_parked(
    repo: SampleRepo, tmp_path: Path, env: None
) -> None:
    """The heartbeat extends a lease only up to queue.job_timeout: a hung job (its review
    sleeps, as a hung GitLab call would) is handed to another worker, which parks it with
    one note; the hung worker, when it wakes, posts nothing."""
    with gitlab(tmp_path, repo, "series", workers=0, queue__visibility_timeout=1.0,
                queue__job_timeout=3.0, queue__max_crashes=1, review__build_timeout=1.0,
                review__analysis_seconds=1.0) as (fake, svc, url, client, _):  # fmt: skip

        def hung(series: Any, options: Any) -> Any:
            time.sleep(8)
            return review(series, options)

        workers = [Worker(svc.cfg, open_queue(svc.cfg.queue, svc.cfg.state_dir), svc.state,
                          worker_id=f"w{i}", reviewer=hung if i == 0 else review)
                   for i in range(2)]  # fmt: skip
        threads = [threading.Thread(target=w.run, args=(svc.stop,), kwargs={"max_jobs": 1},
                                    daemon=True) for w in workers]  # fmt: skip
        threads[0].start()
        _hook(client, url, mr_hook(fake, PID, IID, "open"), "Merge Request Hook")
        (job,) = svc.queue.recent()
        wait_until(lambda: (i := svc.queue.get(job.id)) is not None and i.state == "leased", 30)
        threads[1].start()
        for t in threads:
            t.join(60)
        info = svc.queue.get(job.id)
        notes = _bot_notes(fake)
        runs = {r.status for r in svc.state.history(10)}
    assert info is not None and info.state == "failed", info
    assert len(notes) == 1 and "queue.job_timeout (3 s)" in notes[0].replace("\\", ""), notes
    assert runs == {"parked", "overdue"}, runs


def test_a_failing_jobs_error_is_redacted_in_the_note_the_state_db_and_status(
    repo: SampleRepo, tmp_path: Path, env: None
) -> None:
    """A proxy in front of GitLab answers with an error page echoing the bot's secrets."""
    echo = f"upstream said: auth {BOT_TOKEN} hook {SECRET} " + "x" * 20_000
    with gitlab(tmp_path, repo, "series", queue__max_attempts=1) as (fake, svc, url, client,
                                                                     _):  # fmt: skip
        fake.add_fault("GET", r"/merge_requests/\d+/versions", 400, times=50, message=echo)
        payload = fake.user_note(PID, IID, ALICE, "/check-migration")
        _hook(client, url, payload, "Note Hook")
        note = int(payload["object_attributes"]["id"])
        answer = wait_until(lambda: reply_to(fake, PID, IID, note, BOT), 120)
        wait_until(lambda: all(j.state in ("done", "failed") for j in svc.queue.recent()), 30)
        status = client.get(f"{url}/status", headers={"Accept": "application/json",
                            "Authorization": f"Bearer {STATUS_TOKEN}"}).text  # fmt: skip
        stored = _dump(tmp_path / "state")
    assert "could not run this check" in answer and "upstream said" in answer, answer
    for text in (answer, status, stored):
        assert BOT_TOKEN not in text and SECRET not in text
    assert len(answer) < 10_000 and "x" * 9_000 not in status


def _dump(state_dir: Path) -> str:
    """Every text value of every table of the SQLite files in the state dir."""
    out: list[str] = []
    for f in state_dir.glob("*.sqlite3"):
        db = sqlite3.connect(f)
        try:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    out.extend(str(v) for v in row)
        finally:
            db.close()
    return "\n".join(out)


# Mail ----------------------------------------------------------------------------------------
def test_a_mailed_series_over_a_limit_is_answered_too_large(tmp_path: Path) -> None:
    with mail_env(tmp_path) as e:
        e.add(*series_mails("v1"))
        e.poll(limits=AnalysisLimits(max_file_bytes=100))
        bodies = [" ".join(r.body.split()) for r in e.got]
    assert any("too large to review" in b and "review.max_file_bytes" in b for b in bodies), bodies


def test_a_mailed_series_whose_review_fails_gets_one_private_reply(tmp_path: Path) -> None:
    with mail_env(tmp_path, target_branch="no-such-branch") as e:
        e.add(*series_mails("v1"))
        e.poll()
        e.poll()
        got = e.got
    assert len(got) == 1, [r.body for r in got]
    body = " ".join(got[0].body.split())
    assert "could not review" in body and "no-such-branch" in body, body
    assert got[0].msg["Cc"] is None and len(got[0].rcpt_tos) == 1
