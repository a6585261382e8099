"""How a worker ends a job that raised: the series' own failure (a BotError such as a
BuildError) is failed once and logged without a traceback, a bug is failed with its
traceback, a transient error is re-queued; and the answer to a failed command keeps the
build's output readable in Markdown.

The queue and state DB are the real SQLite ones; only the job's work (`execute`, which
talks to GitLab) is replaced by one that raises."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, parse_config
from bot.errors import BuildError
from bot.service.queue import Job
from bot.service.queue.sqlqueue import SqlQueue
from bot.service.state import StateDB
from bot.service.worker import Outcome, Transient, Worker, failure_reply, is_transient

BUILD_OUTPUT = (
    "FAILED: hw/foo.o \n"
    "../hw/foo.c:3:10: fatal error: qemu/osdep.h: No such file\n"
    "    3 | #include <qemu/osdep.h>\n"
    "      |          ^~~~~~~~~~~~~~\n"
    "# a ``` in the output"
)


class Clock:
    """The queue's clock, moved by hand (backoff without sleeping)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Raising(Worker):
    """A worker whose every job raises `exc`."""

    def __init__(self, exc: Exception, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.exc = exc

    def execute(self, job: Job) -> Outcome:
        raise self.exc


@dataclass
class Parts:
    """A real queue (on a hand-moved clock) and state DB, with one review job queued."""

    cfg: Config
    queue: SqlQueue
    state: StateDB
    clock: Clock


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    cfg = parse_config({"service": {"state_dir": str(tmp_path)},
                        "queue": {"backoff_base": 5.0, "backoff_max": 5.0}})  # fmt: skip
    clock = Clock()
    queue = SqlQueue(tmp_path / "queue.sqlite3", cfg.queue, clock=clock)
    state = StateDB(cfg.state_target)
    # a review job: its failure is only logged (a command's is answered on GitLab)
    queue.enqueue(slot="42!7:review", mr_key="42!7", kind="review",
                  payload={"project_id": 42, "iid": 7, "head": "abc"}, dedupe_key="d1")  # fmt: skip
    return Parts(cfg, queue, state, clock)


def _run(exc: Exception, parts: Parts) -> tuple[Any, Any]:
    worker = Raising(exc, parts.cfg, parts.queue, parts.state, worker_id="w")
    assert worker.run_once()
    [job] = parts.queue.recent(10)
    [run] = parts.state.history(10)
    return job, run


def test_a_build_error_fails_the_job_once_without_a_traceback(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    exc = BuildError(
        "compile of head (abc) failed (exit 1); first error:\n" + BUILD_OUTPUT,
        input_name="head",
        hint="the series does not build; fix the build first",
    )
    assert not is_transient(exc)
    with caplog.at_level(logging.WARNING, logger="migcheck.worker"):
        job, run = _run(exc, parts)
    assert (job.state, job.attempts) == ("failed", 1)
    assert run.status == "failed" and run.detail.startswith("BuildError: head: compile of head")
    assert "#include <qemu/osdep.h>" in run.detail  # the whole output is kept
    parts.clock.t += 3600
    assert parts.queue.lease("w") is None  # not re-queued: a new push or command is a new job
    err = parts.state.value("last_error")
    assert err is not None and "BuildError" in err[0]
    [rec] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert rec.levelno == logging.WARNING and rec.exc_info is None
    assert "fix the build first" in rec.getMessage()


def test_a_bug_fails_the_job_once_with_its_traceback(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="migcheck.worker"):
        job, run = _run(KeyError("head_sha"), parts)
    assert (job.state, job.attempts, run.status) == ("failed", 1, "failed")
    [rec] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert rec.levelno == logging.ERROR and rec.exc_info is not None


def test_a_transient_error_is_requeued(parts: Parts) -> None:
    job, run = _run(Transient("GitLab answered 502"), parts)
    assert (job.state, job.attempts) == ("queued", 1)
    assert run.status == "retry:queued"
    assert parts.queue.lease("w") is None  # backing off
    parts.clock.t += 10
    assert parts.queue.lease("w") is not None  # then handed out again


def test_failure_reply_keeps_the_build_output_in_a_code_block() -> None:
    exc = BuildError(
        "compile of head (abc) failed (exit 1); first error:\n" + BUILD_OUTPUT,
        input_name="head",
        hint="the series does not build; fix the build first",
    )
    text = failure_reply(exc)
    first, rest = text.split("\n", 1)
    # the first line is prose: escaped for GitLab Markdown (it can hold series-made text)
    assert first == ("migcheck could not run this check: head: compile of head \\(abc\\) failed "
                     "\\(exit 1\\); first error:")  # fmt: skip
    # the output holds ```, so the fence is one backtick longer; it is kept verbatim
    assert rest == f"\n````text\n{BUILD_OUTPUT}\n````\n\nhint: the series does not build; " \
                   "fix the build first"  # fmt: skip


def test_failure_reply_of_a_one_line_error_has_no_code_block() -> None:
    assert failure_reply(
        BuildError("bwrap is not installed", hint="apt-get install bubblewrap")
    ) == (
        "migcheck could not run this check: bwrap is not installed\n\n"
        "hint: apt-get install bubblewrap"
    )
    assert failure_reply(RuntimeError("boom")) == "migcheck could not run this check: boom"
