"""migcheck_mail_total{outcome,reason}: real polls (public-inbox archive -> review -> a real SMTP
server on loopback) counted on an explicit Metrics registry, read back from the Prometheus
text exposition; and once through the /metrics endpoint of a real `migcheck worker` process."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mailfix import (
    CLEAN_PATCH,
    DATE0,
    DOC_PATCH,
    Inbox,
    sample_bodies,
    sample_repo,
    series_mails,
)
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from smtpfix import Sink, _free_port, serve_smtp
from test_mail_bot import MAINT, Env, _cmd, make_env

from bot.errors import ReporterError
from bot.service.metrics import Metrics, render

ROOT = Path(__file__).resolve().parents[3]
Counts = dict[tuple[str, str], float]


def _mail_counts(text: str) -> Counts:
    """(outcome, reason) -> value of every migcheck_mail_total sample in a scrape."""
    out: Counts = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "migcheck_mail_total":
                out[(s.labels["outcome"], s.labels["reason"])] = s.value
    return out


def counts(m: Metrics) -> Counts:
    return _mail_counts(render(m.registry)[0].decode())


@pytest.fixture
def metrics() -> Metrics:
    return Metrics.create(CollectorRegistry())


@pytest.fixture
def env(tmp_path: Path, smtp_server: tuple[Sink, int]) -> Env:
    return make_env(tmp_path, smtp_server)


def test_sent_then_second_poll_counts_nothing_more(env: Env, metrics: Metrics) -> None:
    env.add(series_mails("v1"))
    env.poll(metrics=metrics)
    assert len(env.got) == 3
    assert counts(metrics) == {("sent", ""): 3}
    text = render(metrics.registry)[0].decode()
    assert 'migcheck_mail_total{outcome="sent",reason=""} 3.0' in text.splitlines()
    env.add([r.data for r in env.got])  # our replies come back through the archive
    env.poll(metrics=metrics)  # the series is final: no reply decided, nothing counted
    assert counts(metrics) == {("sent", ""): 3} and len(env.got) == 3


def test_restart_after_crash_counts_already_sent_findings(env: Env, metrics: Metrics) -> None:
    env.add(series_mails("a"))

    class Crash(BaseException):  # a kill between queueing two replies and finishing the series
        pass

    calls: list[str] = []

    def crash(msgid: str) -> None:
        calls.append(msgid)
        if len(calls) == 2:
            raise Crash

    with pytest.raises(Crash):
        env.poll(after_queue=crash, metrics=metrics)
    assert counts(metrics) == {}
    env.poll(metrics=metrics)  # two leftovers delivered; the re-review finds them reported
    assert len(env.got) == 3
    assert counts(metrics) == {("sent", ""): 3, ("suppressed", "already_sent"): 2}


def test_all_findings_already_sent_is_no_clean_reply(env: Env, metrics: Metrics) -> None:
    env.settings = dataclasses.replace(env.settings, reply_on_clean=True)
    env.add(series_mails("a"))

    class Crash(BaseException):
        pass

    calls: list[str] = []

    def crash(msgid: str) -> None:
        calls.append(msgid)
        if len(calls) == 3:
            raise Crash  # all three replies recorded, the series not yet marked reviewed

    with pytest.raises(Crash):
        env.poll(after_queue=crash, metrics=metrics)
    env.poll(metrics=metrics)  # leftovers delivered; the re-review has nothing new to say
    # and must not claim "No migration compatibility problem found" for a broken series
    assert len(env.got) == 3 and not any("No migration" in r.body for r in env.got)
    assert counts(metrics) == {("sent", ""): 3, ("suppressed", "already_sent"): 3}


def test_command_then_automatic_pass_sends_and_counts_nothing_more(
    env: Env, metrics: Metrics
) -> None:
    env.settings = dataclasses.replace(env.settings, reply_on_clean=True)
    env.add(series_mails("m", only=[1, 3]))
    env.poll(metrics=metrics)
    env.add([_cmd("c@x", "m.0@example.org", MAINT)])
    env.poll(metrics=metrics)
    assert len(env.got) == 1 and counts(metrics) == {("sent", ""): 1}
    env.clock.t += 3600  # 2/3 never came; the command already reviewed the series
    env.poll(metrics=metrics)
    # no "No migration compatibility problem found" about a series that has problems, and
    # nothing decided by this pass, so nothing more counted
    assert len(env.got) == 1 and env.store().all_series()["m.0@example.org"][0] == "reviewed"
    assert counts(metrics) == {("sent", ""): 1}


def test_rate_limit_counted_once_per_held_reply_and_opt_out(env: Env, metrics: Metrics) -> None:
    env.settings = dataclasses.replace(env.settings, rate_limit_per_hour=2)
    env.add(series_mails("v1"))
    env.poll(metrics=metrics)
    assert len(env.got) == 2
    assert counts(metrics) == {("sent", ""): 2, ("suppressed", "rate_limit"): 1}
    env.poll(metrics=metrics)  # still held: not counted again
    assert counts(metrics) == {("sent", ""): 2, ("suppressed", "rate_limit"): 1}
    env.clock.t += 3601
    env.poll(metrics=metrics)
    assert len(env.got) == 3
    assert counts(metrics) == {("sent", ""): 3, ("suppressed", "rate_limit"): 1}
    env.settings = dataclasses.replace(env.settings, opt_out=("ada@example.org",))
    env.add(series_mails("v9", date=DATE0 + 10))
    env.poll(metrics=metrics)
    assert len(env.got) == 3
    assert counts(metrics) == {
        ("sent", ""): 3,
        ("suppressed", "rate_limit"): 1,
        ("suppressed", "opt_out"): 3,
    }


@dataclasses.dataclass
class Refusing(Sink):
    """A real SMTP server that answers DATA with 554 while `refuse` is set."""

    refuse: bool = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 5.7.1 Message refused by policy"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[Refusing, int]]:
    sink = Refusing()
    with serve_smtp(sink) as port:
        yield sink, port


def test_smtp_failure_counts_send_failed_and_the_reply_stays_queued(
    tmp_path: Path, refusing_smtp: tuple[Refusing, int], metrics: Metrics
) -> None:
    sink, port = refusing_smtp
    env = make_env(tmp_path, (sink, port))
    env.add(series_mails("v1"))
    with pytest.raises(ReporterError, match="SMTP delivery failed"):
        env.poll(metrics=metrics)
    assert counts(metrics) == {("suppressed", "send_failed"): 1}
    st = env.store()
    assert [r.status for r in st.replies()] == ["pending"] * 3
    st.close()
    with pytest.raises(ReporterError):
        env.poll(metrics=metrics)  # retried at the next poll, refused again: counted again
    assert counts(metrics) == {("suppressed", "send_failed"): 2}
    sink.refuse = False
    env.poll(metrics=metrics)
    assert len(env.got) == 3
    assert counts(metrics) == {("sent", ""): 3, ("suppressed", "send_failed"): 2}


def test_dry_run_is_not_counted_as_sent(env: Env, metrics: Metrics) -> None:
    env.settings = dataclasses.replace(env.settings, smtp_host="")
    env.add(series_mails("v1"))
    env.poll(metrics=metrics)
    assert env.got == [] and len(list((env.tmp / "outbox").glob("*.eml"))) == 3
    assert counts(metrics) == {("suppressed", "dry_run"): 3}


def test_quiet_series_and_refused_command(env: Env, metrics: Metrics) -> None:
    from mailfix import BROKEN_PATCH

    env.add(series_mails("clean", cover=False, bodies=[CLEAN_PATCH]))
    env.add(series_mails("docs", cover=False, bodies=[DOC_PATCH]))
    env.add(series_mails("bad", cover=False, bodies=[BROKEN_PATCH]))
    env.poll(metrics=metrics)
    # the series that does not apply: its author is told once
    assert [str(r.msg["In-Reply-To"]) for r in env.got] == ["<bad.1@example.org>"]
    assert counts(metrics) == {
        ("sent", ""): 1,
        ("suppressed", "clean"): 1,
        ("suppressed", "skipped"): 1,
    }
    env.add([_cmd("c1@x", "clean.1@example.org", MAINT),
             _cmd("c2@x", "docs.1@example.org", "Eve <eve@evil.example>")])  # fmt: skip
    env.poll(metrics=metrics)
    assert [str(r.msg["In-Reply-To"]) for r in env.got] == ["<bad.1@example.org>", "<c1@x>"]
    assert counts(metrics) == {
        ("sent", ""): 2,
        ("suppressed", "clean"): 1,
        ("suppressed", "skipped"): 1,
        ("suppressed", "not_allowed"): 1,
    }


def test_obsolete_and_below_severity(env: Env, metrics: Metrics) -> None:
    env.add(series_mails("v1"))
    env.add(series_mails("v2", prefix="PATCH v2", date=DATE0 + 60, reply_to="v1.0@example.org"))
    env.poll(metrics=metrics)
    assert counts(metrics) == {("sent", ""): 3, ("suppressed", "obsolete"): 1}
    quiet = Metrics.create(CollectorRegistry())
    env.settings = dataclasses.replace(env.settings, min_severity="error")
    warning_only = [sample_bodies()[2]]  # MIG030, a warning
    env.add(series_mails("n", cover=False, bodies=warning_only, date=DATE0 + 120))
    env.poll(metrics=quiet)
    assert len(env.got) == 3  # nothing more
    assert counts(quiet) == {("suppressed", "below_severity"): 1}


def _wait_for(pred: Any, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_process_serves_mail_counters(tmp_path: Path, smtp_server: tuple[Sink, int]) -> None:
    """`migcheck worker --metrics-port`: its mail thread counts on the worker's registry."""
    sink, smtp_port = smtp_server
    repo, _ = sample_repo(tmp_path)
    inbox = Inbox(tmp_path / "inbox")
    for raw in series_mails("v1"):
        inbox.add(raw)
    cfg = tmp_path / "migcheck.toml"
    cfg.write_text(f"""
[service]
state_dir = "{tmp_path / "state"}"
cache_dir = "{tmp_path / "cache"}"

[gitlab]
token_env = "MIGCHECK_TEST_METRICS_TOKEN"

[mail]
enabled = true
inboxes = ["{inbox.root}"]
repo = "{repo}"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_starttls = false
wait_complete = 0.0
lookback_days = 0.0
rate_limit_per_hour = 2
""")
    port = _free_port()
    log = tmp_path / "worker.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--config", str(cfg), "--id", "wm",
             "--log-level", "warning", "--metrics-port", str(port)],
            cwd=ROOT, stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT), "MIGCHECK_TEST_METRICS_TOKEN": "t"},
        )  # fmt: skip
        seen: Counts = {}

        def scrape() -> bool:
            nonlocal seen
            assert proc.poll() is None, log.read_text()
            try:
                url = f"http://127.0.0.1:{port}/metrics"
                text = urllib.request.urlopen(url, timeout=5).read().decode()
            except OSError:
                return False  # not listening yet
            seen = _mail_counts(text)
            return ("suppressed", "rate_limit") in seen

        try:
            _wait_for(scrape, 120, "the worker's mail counters")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert seen == {("sent", ""): 2, ("suppressed", "rate_limit"): 1}
    assert len(sink.got) == 2
    assert proc.returncode == 0, log.read_text()


def test_operations_guide_names_every_mail_reason() -> None:
    from bot.service.metrics import MAIL_SUPPRESS_REASONS

    text = (ROOT / "deploy" / "OPERATIONS.md").read_text(encoding="utf-8")
    bullet = text[text.index("* **Metrics**") :].split("\n* ", 1)[0]
    assert "migcheck_mail_total{outcome," in bullet
    missing = [r for r in MAIL_SUPPRESS_REASONS if r not in bullet]
    assert missing == [], f"deploy/OPERATIONS.md does not name mail reasons {missing}"
