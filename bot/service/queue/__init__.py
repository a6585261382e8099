"""The job queue interface (JobQueue) and open_queue(); implementations with the same
semantics: SqlQueue (bot/service/queue/sqlqueue.py: an SQLite file, or PostgreSQL) and
RedisQueue (bot/service/queue/redisqueue.py). Webhook delivery dedupe is not the queue's job
(bot/service/deliveries.py).

- enqueue(slot, mr_key, kind, payload, dedupe_key): a job whose dedupe key is already queued
  or running is a duplicate; a queued job in the same *slot* (e.g. "42!7:review") is
  superseded in place by the newer payload (a newer head replaces an older queued one).
- lease(worker): hands out the oldest due job whose merge request has no running job (one
  job per MR at a time); the lease expires after the visibility timeout, after which the job
  is handed out again (a worker killed mid-job -> the job re-runs) with Job.expired counting
  such expiries: the worker parks a job that expired queue.max_crashes times (one answer to
  the author) instead of running it again. Long jobs extend(), up to queue.job_timeout.
- ack(lease) when done; retry(lease, error) re-queues with exponential backoff (transient
  GitLab errors) until max_attempts, then the job is kept as `failed` (never silently lost).

Both implementations are safe for several worker processes (SQL: one transaction per
transition, BEGIN IMMEDIATE on an SQLite file or an advisory lock in PostgreSQL; Redis: every
transition is one Lua script).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.config import QueueConfig

STATES = ("queued", "leased", "done", "failed", "superseded")
FINISHED_TTL = 7 * 24 * 3600.0  # finished jobs are kept this long for /status


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work as handed to a worker."""

    id: str
    slot: str
    mr_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: float
    expired: int = 0  # earlier leases of it that expired (worker killed, OOM, hung)


@dataclass(frozen=True, slots=True)
class Lease:
    """A leased job: only the holder of `token` may ack, retry or extend it."""

    job: Job
    token: str


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    """What enqueue did: queued (new job), superseded (replaced a queued one), duplicate."""

    status: str
    job_id: str


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A job row for the status page."""

    id: str
    kind: str
    mr_key: str
    state: str
    attempts: int
    created_at: float
    updated_at: float
    last_error: str


class JobQueue(Protocol):
    """What the web app and the worker need from a queue."""

    def enqueue(
        self, *, slot: str, mr_key: str, kind: str, payload: dict[str, Any], dedupe_key: str
    ) -> EnqueueResult:
        """Add (or supersede, or ignore as duplicate) a job."""
        ...

    def lease(self, worker: str) -> Lease | None:
        """The next runnable job, leased to `worker`, or None."""
        ...

    def extend(self, lease: Lease) -> bool:
        """Push the lease's expiry one visibility timeout ahead; False if it was lost."""
        ...

    def ack(self, lease: Lease, result: str = "done") -> bool:
        """Mark the job finished; False if the lease was lost meanwhile."""
        ...

    def retry(self, lease: Lease, error: str, *, delay: float | None = None) -> str:
        """Re-queue after a transient error; returns the new state (queued/failed/...)."""
        ...

    def depth(self) -> int:
        """Jobs queued or running."""
        ...

    def counts(self) -> dict[str, int]:
        """Jobs per state."""
        ...

    def recent(self, limit: int = 50) -> list[JobInfo]:
        """The newest jobs, newest first."""
        ...

    def get(self, job_id: str) -> JobInfo | None:
        """One job's row."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def backoff(cfg: QueueConfig, attempts: int) -> float:
    """Exponential backoff with 10 % jitter: base * 2^(attempts-1), capped."""
    delay = min(cfg.backoff_max, cfg.backoff_base * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))


def open_queue(
    cfg: QueueConfig,
    state_dir: Path,
    *,
    state_url: str = "",
    clock: Callable[[], float] = time.time,
) -> JobQueue:
    """The configured queue: Redis when queue.url is set, else in the state database
    (PostgreSQL when state_url names one, else SQLite in state_dir)."""
    if cfg.url:
        from bot.service.queue.redisqueue import RedisQueue

        return RedisQueue(cfg.url, cfg, prefix=cfg.prefix, clock=clock)
    from bot.service.queue.sqlqueue import SqlQueue

    if state_url:
        return SqlQueue(state_url, cfg, clock=clock)
    state_dir.mkdir(parents=True, exist_ok=True)
    return SqlQueue(state_dir / "queue.sqlite3", cfg, clock=clock)
