"""Prometheus metrics of the service, on an explicit CollectorRegistry (no module state).

    metrics = Metrics.create(CollectorRegistry())
    metrics.track_queue(queue.counts)            # jobs by state, read from the queue at scrape
    routes.append(metrics_route(metrics.registry))            # GET /metrics
    metrics.webhook_delivery("queued")           # web: one call per delivery
    with metrics.time_job("review") as t: ...; t.outcome = "done"   # worker
    metrics.count_findings(report.findings)      # worker, after a review
    metrics.mail_sent(); metrics.mail_suppressed("rate_limit")      # mail poller (MailBot)

Exported series (all prefixed migcheck_):
    jobs{state}                         gauge, from the queue (every process's jobs)
    job_duration_seconds{kind,outcome}  histogram
    jobs_finished_total{kind,outcome}   counter
    findings_total{rule,severity}       counter
    webhook_deliveries_total{outcome}   counter
    mail_total{outcome,reason}          counter: outcome sent (reason "") | suppressed (reason
                                        in MAIL_SUPPRESS_REASONS)
Label values outside the documented sets are folded into "other" so a bad delivery cannot
create unbounded series.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.findings import Finding
from bot.service.queue import STATES

NAMESPACE = "migcheck"
JOB_OUTCOMES = ("done", "failed", "retry", "superseded", "skipped", "refused", "crashed")
WEBHOOK_OUTCOMES = (
    "queued",
    "duplicate",
    "ignored",
    "unauthorized",
    "bad_request",
    "too_large",
    "error",
)
# Why a reply was not handed to SMTP (bot.mail.poller and bot.mail.delivery count each; see
# deploy/OPERATIONS.md).
MAIL_SUPPRESS_REASONS = (
    "dry_run",  # written to the outbox (no mail.smtp_host)
    "rate_limit",  # held back by mail.rate_limit_per_hour; stays queued (counted once per reply)
    "send_failed",  # SMTP error; stays queued and is retried next poll (counted per attempt)
    "already_sent",  # every finding for that message was reported before
    "clean",  # reviewed, nothing to report (mail.reply_on_clean off)
    "below_severity",  # findings only below mail.min_severity
    "opt_out",  # the author is in mail.opt_out
    "not_allowed",  # /check-migration from a sender not allowed to ask
    "no_recipient",  # no address to send to
    "skipped",  # series not reviewed: outside mail.scan_prefixes, or no patch arrived
    "obsolete",  # superseded by a newer version before it was reviewed
    "apply_failed",  # does not apply onto its base, and the author was told before
    "error",  # the review or the command failed (logged)
)
DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)


def _label(value: str, allowed: Iterable[str]) -> str:
    value = str(value)
    return value if value in allowed else "other"


class _QueueCollector(Collector):
    """migcheck_jobs{state}: asks the queue at scrape time (it is shared by all workers)."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge sample per job state; a failing queue yields migcheck_queue_up 0."""
        up = GaugeMetricFamily(f"{NAMESPACE}_queue_up", "1 when the job queue answered")
        fam = GaugeMetricFamily(f"{NAMESPACE}_jobs", "Jobs in the queue by state", labels=["state"])
        try:
            counts = dict(self._counts())
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for state in sorted(set(STATES) | set(counts)):
            fam.add_metric([str(state)], float(counts.get(state, 0)))
        yield fam
        yield up

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """Nothing at registration time (avoid calling the queue then)."""
        return iter(())


@dataclass
class JobTimer:
    """Set .outcome inside `with metrics.time_job(kind) as t:`; an exception -> 'crashed'."""

    kind: str
    outcome: str = "done"
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Metrics:
    """The service's metric objects, all registered on `registry`."""

    registry: CollectorRegistry
    job_duration: Histogram
    jobs_finished: Counter
    findings: Counter
    webhook_deliveries: Counter
    mail: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        """Register every metric on registry (a fresh one per app/process or test)."""
        return cls(
            registry=registry,
            job_duration=Histogram(
                "job_duration_seconds",
                "Wall time of a job from pick-up to finish",
                ["kind", "outcome"],
                namespace=NAMESPACE,
                buckets=DURATION_BUCKETS,
                registry=registry,
            ),
            jobs_finished=Counter(
                "jobs_finished",
                "Jobs finished by this process",
                ["kind", "outcome"],
                namespace=NAMESPACE,
                registry=registry,
            ),
            findings=Counter(
                "findings",
                "Findings reported, by rule and severity",
                ["rule", "severity"],
                namespace=NAMESPACE,
                registry=registry,
            ),
            webhook_deliveries=Counter(
                "webhook_deliveries",
                "Webhook deliveries received, by outcome",
                ["outcome"],
                namespace=NAMESPACE,
                registry=registry,
            ),
            mail=Counter(
                "mail",
                "Review mails sent or suppressed",
                ["outcome", "reason"],
                namespace=NAMESPACE,
                registry=registry,
            ),
        )

    def track_queue(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Export migcheck_jobs{state} from counts() (e.g. JobQueue.counts) at each scrape."""
        self.registry.register(_QueueCollector(counts))

    def webhook_delivery(self, outcome: str) -> None:
        """Count one delivery; outcome in WEBHOOK_OUTCOMES (else 'other')."""
        self.webhook_deliveries.labels(_label(outcome, WEBHOOK_OUTCOMES)).inc()

    def observe_job(self, kind: str, outcome: str, seconds: float) -> None:
        """Record one finished job (kind: review | command | mail ...)."""
        k = str(kind)[:32] or "other"
        o = _label(outcome, JOB_OUTCOMES)
        self.job_duration.labels(k, o).observe(max(0.0, seconds))
        self.jobs_finished.labels(k, o).inc()

    @contextmanager
    def time_job(self, kind: str) -> Iterator[JobTimer]:
        """Times the block; the outcome is t.outcome, or 'crashed' when it raises."""
        timer = JobTimer(kind)
        try:
            yield timer
        except BaseException:
            timer.outcome = "crashed"
            raise
        finally:
            self.observe_job(kind, timer.outcome, time.monotonic() - timer.started)

    def count_findings(self, findings: Iterable[Finding]) -> int:
        """Count findings by rule and severity; returns how many."""
        n = 0
        for f in findings:
            self.findings.labels(f.rule[:16], f.severity.value).inc()
            n += 1
        return n

    def mail_sent(self, n: int = 1) -> None:
        """Count n replies handed to SMTP and accepted by it."""
        self.mail.labels("sent", "").inc(n)

    def mail_suppressed(self, reason: str, n: int = 1) -> None:
        """Count n replies not sent; reason in MAIL_SUPPRESS_REASONS (else 'other')."""
        self.mail.labels("suppressed", _label(reason, MAIL_SUPPRESS_REASONS)).inc(n)


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition of registry and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


def metrics_route(registry: CollectorRegistry, path: str = "/metrics") -> Route:
    """A Starlette GET route serving registry in the Prometheus text format."""
    from starlette.concurrency import run_in_threadpool

    async def endpoint(request: Request) -> Response:
        body, ctype = await run_in_threadpool(render, registry)  # collectors may do I/O
        return Response(body, media_type=ctype)

    return Route(path, endpoint, methods=["GET"], name="metrics")


def start_metrics_server(registry: CollectorRegistry, port: int, addr: str = "127.0.0.1") -> Any:
    """Serve registry on addr:port in a daemon thread (for worker/mail processes)."""
    from prometheus_client import start_http_server

    return start_http_server(port, addr=addr, registry=registry)
