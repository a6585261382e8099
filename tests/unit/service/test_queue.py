"""The job queue, SQLite, PostgreSQL and Redis, with one set of semantic tests (fake clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import QueueConfig
from bot.service.queue import JobQueue
from bot.service.queue.redisqueue import RedisQueue
from bot.service.queue.sqlqueue import SqlQueue


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


CFG = QueueConfig(visibility_timeout=10, max_attempts=3, backoff_base=5, backoff_max=60)


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def q(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[JobQueue, Clock]]:
    clock = Clock()
    if request.param == "sqlite":
        queue: JobQueue = SqlQueue(tmp_path / "q.sqlite3", CFG, clock=clock)
    elif request.param == "postgresql":
        queue = SqlQueue(request.getfixturevalue("postgres_url"), CFG, clock=clock)
    else:
        url = request.getfixturevalue("redis_server")
        queue = RedisQueue(url, CFG, prefix=f"t:{tmp_path.name}:", clock=clock)
    yield queue, clock
    if isinstance(queue, RedisQueue):
        keys = list(queue._r.scan_iter(match=queue.prefix + "*"))
        if keys:
            queue._r.delete(*keys)
    queue.close()


def put(queue: JobQueue, mr: str, head: str, kind: str = "review") -> tuple[str, str]:
    res = queue.enqueue(slot=f"{mr}:{kind}", mr_key=mr, kind=kind, payload={"head": head},
                        dedupe_key=f"{kind}:{mr}:{head}")
    return res.status, res.job_id


def test_dedupe_and_supersede(q: tuple[JobQueue, Clock]) -> None:
    queue, _ = q
    assert put(queue, "1!1", "a")[0] == "queued"
    assert put(queue, "1!1", "a")[0] == "duplicate"
    status, jid = put(queue, "1!1", "b")
    assert status == "superseded"
    lease = queue.lease("w")
    assert lease is not None and lease.job.id == jid and lease.job.payload == {"head": "b"}
    assert put(queue, "1!1", "b")[0] == "duplicate"  # running counts too
    assert put(queue, "1!1", "c")[0] == "queued"  # a newer head while one runs: queued
    assert queue.lease("w2") is None  # ... but not while the MR's job runs
    assert queue.ack(lease)
    nxt = queue.lease("w2")
    assert nxt is not None and nxt.job.payload == {"head": "c"}
    assert queue.depth() == 1


def test_one_job_per_merge_request_others_run(q: tuple[JobQueue, Clock]) -> None:
    queue, _ = q
    put(queue, "1!1", "a")
    put(queue, "1!1", "x", kind="command")
    put(queue, "1!2", "a")
    a = queue.lease("w1")
    b = queue.lease("w2")
    assert a is not None and b is not None
    assert {a.job.mr_key, b.job.mr_key} == {"1!1", "1!2"}
    assert queue.lease("w3") is None


def test_lease_expiry_reruns_a_killed_workers_job(q: tuple[JobQueue, Clock]) -> None:
    queue, clock = q
    put(queue, "1!1", "a")
    lease = queue.lease("dead")
    assert lease is not None
    clock.t += 5
    assert queue.extend(lease)
    clock.t += 9  # still inside the extended lease
    assert queue.lease("w2") is None
    clock.t += 2
    again = queue.lease("w2")
    assert again is not None and again.job.id == lease.job.id and again.job.attempts == 2
    assert not queue.ack(lease)  # the dead worker's token is void
    assert queue.ack(again)
    assert queue.counts()["done"] == 1


def test_expired_leases_are_counted_and_the_job_handed_out_for_parking(
    q: tuple[JobQueue, Clock]
) -> None:
    """Every expired lease re-queues the job with Job.expired one higher, also past
    max_attempts: the worker that leases it next parks it and tells the author (bot/service/
    worker.py); the queue never drops it silently."""
    queue, clock = q
    _, jid = put(queue, "1!1", "a")
    for n in range(CFG.max_attempts + 1):
        lease = queue.lease(f"dead{n}")
        assert lease is not None and lease.job.id == jid and lease.job.expired == n
        clock.t += CFG.visibility_timeout + 1
    last = queue.lease("parker")
    assert last is not None and last.job.expired == CFG.max_attempts + 1
    assert last.job.attempts == CFG.max_attempts + 2
    info = queue.get(jid)
    assert info is not None and "lease expired" in info.last_error
    assert queue.ack(last, "failed") and queue.counts()["failed"] == 1


def test_retry_backoff_then_failed_never_lost(q: tuple[JobQueue, Clock]) -> None:
    queue, clock = q
    _, jid = put(queue, "1!1", "a")
    for attempt in (1, 2):
        lease = queue.lease("w")
        assert lease is not None and lease.job.attempts == attempt
        assert queue.retry(lease, "429 Too Many Requests") == "queued"
        assert queue.lease("w") is None  # backing off
        clock.t += 200
    lease = queue.lease("w")
    assert lease is not None
    assert queue.retry(lease, "502 Bad Gateway") == "failed"
    info = queue.get(jid)
    assert info is not None and info.state == "failed" and "502" in info.last_error


def test_retry_of_superseded_job_gives_way(q: tuple[JobQueue, Clock]) -> None:
    queue, _ = q
    put(queue, "1!1", "a")
    lease = queue.lease("w")
    assert lease is not None
    put(queue, "1!1", "b")
    assert queue.retry(lease, "boom", delay=0) == "superseded"
    nxt = queue.lease("w")
    assert nxt is not None and nxt.job.payload == {"head": "b"}
    assert [j.state for j in queue.recent()][:2] == ["leased", "superseded"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_workers_lease_each_job_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Four workers, each with its own connection, drain 120 jobs: each leased exactly once."""
    import threading

    target = (
        str(tmp_path / "q.sqlite3")
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    producer = SqlQueue(target, CFG)
    for i in range(120):
        put(producer, f"p!{i}", "h")
    seen: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        queue = SqlQueue(target, CFG)
        while (lease := queue.lease(name)) is not None:
            with lock:
                seen.append(lease.job.id)
            assert queue.ack(lease)
        queue.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen)) == 120
    assert producer.counts()["done"] == 120 and producer.depth() == 0
    producer.close()
