"""The job queue: embedded SQLite (default) or Redis, with the same semantics.

- enqueue(slot, mr_key, kind, payload, dedupe_key): a job whose dedupe key is already queued
  or running is a duplicate; a queued job in the same *slot* (e.g. "42!7:review") is
  superseded in place by the newer payload (a newer head replaces an older queued one).
- lease(worker): hands out the oldest due job whose merge request has no running job (one
  job per MR at a time); the lease expires after the visibility timeout, after which the job
  is handed out again (a worker killed mid-job -> the job re-runs). Long jobs extend().
- ack(lease) when done; retry(lease, error) re-queues with exponential backoff (transient
  GitLab errors) until max_attempts, then the job is kept as `failed` (never silently lost).

Both implementations are safe for several worker processes (SQL: one transaction per
transition, BEGIN IMMEDIATE on an SQLite file or an advisory lock in PostgreSQL; Redis: every
transition is one Lua script).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.config import QueueConfig
from bot.sqldb import Database, Executor, Migrations, open_database

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
        return RedisQueue(cfg.url, cfg, prefix=cfg.prefix, clock=clock)
    if state_url:
        return SqlQueue(state_url, cfg, clock=clock)
    state_dir.mkdir(parents=True, exist_ok=True)
    return SqlQueue(state_dir / "queue.sqlite3", cfg, clock=clock)


# DDL templates (bot/sqldb.py); IF NOT EXISTS: queue files from before versioning have the table.
MIGRATIONS: Migrations = (
    """
    CREATE TABLE IF NOT EXISTS jobs (
        id {id},
        slot TEXT NOT NULL,
        mr_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        available_at {time} NOT NULL,
        lease_until {time},
        token TEXT,
        worker TEXT,
        created_at {time} NOT NULL,
        updated_at {time} NOT NULL,
        last_error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, available_at);
    CREATE INDEX IF NOT EXISTS jobs_slot ON jobs(slot, state);
    CREATE INDEX IF NOT EXISTS jobs_dedupe ON jobs(dedupe_key, state);
    CREATE INDEX IF NOT EXISTS jobs_mr ON jobs(mr_key, state);
    """,
)


class SqlQueue:
    """The embedded queue: an SQLite file (WAL; threads and processes of one machine) or a
    PostgreSQL database (workers on several machines). Every transition is one transaction
    under the queue's lock, so a job is leased to one worker at a time."""

    def __init__(
        self,
        target: Database | Path | str,
        cfg: QueueConfig,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = target if isinstance(target, Database) else open_database(target)
        self.cfg = cfg
        self._clock = clock
        self._db.migrate("queue", MIGRATIONS, what="job queue")

    def _tx(self, fn: Callable[[Executor], Any]) -> Any:
        with self._db.transaction(lock="migcheck_jobs") as tx:
            return fn(tx)

    def enqueue(
        self, *, slot: str, mr_key: str, kind: str, payload: dict[str, Any], dedupe_key: str
    ) -> EnqueueResult:
        """See JobQueue.enqueue."""
        now = self._clock()
        data = json.dumps(payload, sort_keys=True)

        def fn(db: Executor) -> EnqueueResult:
            row = db.execute(
                "SELECT id FROM jobs WHERE dedupe_key=? AND state IN ('queued','leased')",
                (dedupe_key,),
            ).one()
            if row:
                return EnqueueResult("duplicate", str(row[0]))
            row = db.execute(
                "SELECT id FROM jobs WHERE slot=? AND state='queued' ORDER BY id DESC LIMIT 1",
                (slot,),
            ).one()
            if row:
                db.execute(
                    "UPDATE jobs SET payload=?, dedupe_key=?, updated_at=? WHERE id=?",
                    (data, dedupe_key, now, row[0]),
                )
                return EnqueueResult("superseded", str(row[0]))
            new = db.execute(
                "INSERT INTO jobs (slot, mr_key, kind, dedupe_key, payload, state, available_at,"
                " created_at, updated_at) VALUES (?,?,?,?,?,'queued',?,?,?) RETURNING id",
                (slot, mr_key, kind, dedupe_key, data, now, now, now),
            ).one()
            return EnqueueResult("queued", str(new[0] if new else ""))

        result: EnqueueResult = self._tx(fn)
        return result

    def lease(self, worker: str) -> Lease | None:
        """See JobQueue.lease."""
        now = self._clock()
        token = secrets.token_hex(8)
        vt = self.cfg.visibility_timeout
        max_attempts = self.cfg.max_attempts

        def fn(db: Executor) -> Lease | None:
            if random.random() < 0.01:  # keep the table bounded: finished jobs live a week
                db.execute(
                    "DELETE FROM jobs WHERE state IN ('done','superseded','failed')"
                    " AND updated_at < ?",
                    (now - FINISHED_TTL,),
                )
            # Expired leases: the worker died or hung. Re-queue (or give up after too many).
            db.execute(
                "UPDATE jobs SET state='failed', last_error='lease expired ' || attempts ||"
                " ' times (worker killed or hung)', updated_at=? WHERE state='leased'"
                " AND lease_until < ? AND attempts >= ?",
                (now, now, max_attempts),
            )
            db.execute(
                "UPDATE jobs SET state='queued', token=NULL, available_at=?, updated_at=?"
                " WHERE state='leased' AND lease_until < ?",
                (now, now, now),
            )
            row = db.execute(
                "SELECT id, slot, mr_key, kind, payload, attempts, created_at FROM jobs"
                " WHERE state='queued' AND available_at <= ? AND mr_key NOT IN"
                " (SELECT mr_key FROM jobs WHERE state='leased')"
                " ORDER BY available_at, id LIMIT 1",
                (now,),
            ).one()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state='leased', token=?, worker=?, attempts=attempts+1,"
                " lease_until=?, updated_at=? WHERE id=?",
                (token, worker, now + vt, now, row[0]),
            )
            job = Job(
                id=str(row[0]),
                slot=row[1],
                mr_key=row[2],
                kind=row[3],
                payload=json.loads(row[4]),
                attempts=int(row[5]) + 1,
                created_at=float(row[6]),
            )
            return Lease(job, token)

        result: Lease | None = self._tx(fn)
        return result

    def _owned(self, db: Executor, lease: Lease) -> bool:
        row = db.execute(
            "SELECT 1 FROM jobs WHERE id=? AND state='leased' AND token=?",
            (int(lease.job.id), lease.token),
        ).one()
        return row is not None

    def extend(self, lease: Lease) -> bool:
        """See JobQueue.extend."""
        now = self._clock()

        def fn(db: Executor) -> bool:
            if not self._owned(db, lease):
                return False
            db.execute(
                "UPDATE jobs SET lease_until=?, updated_at=? WHERE id=?",
                (now + self.cfg.visibility_timeout, now, int(lease.job.id)),
            )
            return True

        ok: bool = self._tx(fn)
        return ok

    def ack(self, lease: Lease, result: str = "done") -> bool:
        """See JobQueue.ack."""
        now = self._clock()

        def fn(db: Executor) -> bool:
            if not self._owned(db, lease):
                return False
            db.execute(
                "UPDATE jobs SET state=?, token=NULL, updated_at=? WHERE id=?",
                (result if result in STATES else "done", now, int(lease.job.id)),
            )
            return True

        ok: bool = self._tx(fn)
        return ok

    def retry(self, lease: Lease, error: str, *, delay: float | None = None) -> str:
        """See JobQueue.retry."""
        now = self._clock()
        wait = backoff(self.cfg, lease.job.attempts) if delay is None else delay

        def fn(db: Executor) -> str:
            if not self._owned(db, lease):
                return "lost"
            jid = int(lease.job.id)
            newer = db.execute(
                "SELECT 1 FROM jobs WHERE slot=? AND state='queued' AND id<>?",
                (lease.job.slot, jid),
            ).one()
            if lease.job.attempts >= self.cfg.max_attempts:
                state = "failed"
            elif newer:
                state = "superseded"
            else:
                state = "queued"
            db.execute(
                "UPDATE jobs SET state=?, token=NULL, available_at=?, last_error=?, updated_at=?"
                " WHERE id=?",
                (state, now + wait, error[:2000], now, jid),
            )
            return state

        state: str = self._tx(fn)
        return state

    def depth(self) -> int:
        """See JobQueue.depth."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued','leased')"
        ).one()
        return int(row[0]) if row else 0

    def counts(self) -> dict[str, int]:
        """See JobQueue.counts."""
        rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").rows
        out = dict.fromkeys(STATES, 0)
        out.update({r[0]: int(r[1]) for r in rows})
        return out

    def _info(self, r: Any) -> JobInfo:
        return JobInfo(str(r[0]), r[1], r[2], r[3], int(r[4]), float(r[5]), float(r[6]), r[7])

    def recent(self, limit: int = 50) -> list[JobInfo]:
        """See JobQueue.recent."""
        rows = self._db.execute(
            "SELECT id, kind, mr_key, state, attempts, created_at, updated_at, last_error"
            " FROM jobs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).rows
        return [self._info(r) for r in rows]

    def get(self, job_id: str) -> JobInfo | None:
        """See JobQueue.get."""
        try:
            jid = int(job_id)
        except ValueError:
            return None
        r = self._db.execute(
            "SELECT id, kind, mr_key, state, attempts, created_at, updated_at, last_error"
            " FROM jobs WHERE id=?",
            (jid,),
        ).one()
        return self._info(r) if r else None

    def close(self) -> None:
        """See JobQueue.close."""
        self._db.close()


_LUA_ENQUEUE = """
local p = ARGV[1]
local slot, mr, kind, dd, payload, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local d = redis.call('GET', p..'dedupe:'..dd)
if d then
  local st = redis.call('HGET', p..'job:'..d, 'state')
  if st == 'queued' or st == 'leased' then return {'duplicate', d} end
end
local q = redis.call('GET', p..'slot:'..slot)
if q and redis.call('HGET', p..'job:'..q, 'state') == 'queued' then
  local old = redis.call('HGET', p..'job:'..q, 'dedupe_key')
  if redis.call('GET', p..'dedupe:'..old) == q then redis.call('DEL', p..'dedupe:'..old) end
  redis.call('HSET', p..'job:'..q, 'payload', payload, 'dedupe_key', dd, 'updated_at', now)
  redis.call('SET', p..'dedupe:'..dd, q)
  return {'superseded', q}
end
local id = tostring(redis.call('INCR', p..'seq'))
redis.call('HSET', p..'job:'..id, 'id', id, 'slot', slot, 'mr_key', mr, 'kind', kind,
  'dedupe_key', dd, 'payload', payload, 'state', 'queued', 'attempts', 0,
  'created_at', now, 'updated_at', now, 'last_error', '', 'token', '')
redis.call('ZADD', p..'ready', now, id)
redis.call('SET', p..'slot:'..slot, id)
redis.call('SET', p..'dedupe:'..dd, id)
redis.call('LPUSH', p..'recent', id)
redis.call('LTRIM', p..'recent', 0, 499)
return {'queued', id}
"""

_LUA_LEASE = """
local p, now, vt, token, worker, maxa = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),
  ARGV[4], ARGV[5], tonumber(ARGV[6])
local expired = redis.call('ZRANGEBYSCORE', p..'leased', '-inf', now)
for _, id in ipairs(expired) do
  local jk = p..'job:'..id
  redis.call('ZREM', p..'leased', id)
  local mr = redis.call('HGET', jk, 'mr_key')
  if redis.call('GET', p..'active:'..mr) == id then redis.call('DEL', p..'active:'..mr) end
  local att = tonumber(redis.call('HGET', jk, 'attempts'))
  if att >= maxa then
    redis.call('HSET', jk, 'state', 'failed', 'token', '', 'updated_at', now,
      'last_error', 'lease expired '..att..' times (worker killed or hung)')
    local dd = redis.call('HGET', jk, 'dedupe_key')
    if redis.call('GET', p..'dedupe:'..dd) == id then redis.call('DEL', p..'dedupe:'..dd) end
  else
    redis.call('HSET', jk, 'state', 'queued', 'token', '', 'updated_at', now)
    redis.call('ZADD', p..'ready', now, id)
    local slot = redis.call('HGET', jk, 'slot')
    if not redis.call('GET', p..'slot:'..slot) then redis.call('SET', p..'slot:'..slot, id) end
  end
end
local cands = redis.call('ZRANGEBYSCORE', p..'ready', '-inf', now, 'LIMIT', 0, 200)
for _, id in ipairs(cands) do
  local jk = p..'job:'..id
  local mr = redis.call('HGET', jk, 'mr_key')
  if redis.call('EXISTS', p..'active:'..mr) == 0 then
    redis.call('ZREM', p..'ready', id)
    redis.call('ZADD', p..'leased', now + vt, id)
    redis.call('SET', p..'active:'..mr, id)
    redis.call('HINCRBY', jk, 'attempts', 1)
    redis.call('HSET', jk, 'state', 'leased', 'token', token, 'worker', worker,
      'lease_until', now + vt, 'updated_at', now)
    local slot = redis.call('HGET', jk, 'slot')
    if redis.call('GET', p..'slot:'..slot) == id then redis.call('DEL', p..'slot:'..slot) end
    return redis.call('HGETALL', jk)
  end
end
return false
"""

_LUA_FINISH = """
-- ARGV: p, id, token, now, mode(ack|retry|extend), result/err, delay, maxa, vt
local p, id, token, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local mode = ARGV[5]
local jk = p..'job:'..id
if redis.call('HGET', jk, 'state') ~= 'leased' or redis.call('HGET', jk, 'token') ~= token then
  return 'lost'
end
if mode == 'extend' then
  local lu = now + tonumber(ARGV[9])
  redis.call('ZADD', p..'leased', lu, id)
  redis.call('HSET', jk, 'lease_until', lu, 'updated_at', now)
  return 'leased'
end
redis.call('ZREM', p..'leased', id)
local mr = redis.call('HGET', jk, 'mr_key')
if redis.call('GET', p..'active:'..mr) == id then redis.call('DEL', p..'active:'..mr) end
local dd = redis.call('HGET', jk, 'dedupe_key')
local state
if mode == 'ack' then
  state = ARGV[6]
  redis.call('HSET', jk, 'state', state, 'token', '', 'updated_at', now)
else
  local att = tonumber(redis.call('HGET', jk, 'attempts'))
  local slot = redis.call('HGET', jk, 'slot')
  local q = redis.call('GET', p..'slot:'..slot)
  if att >= tonumber(ARGV[8]) then
    state = 'failed'
  elseif q and q ~= id then
    state = 'superseded'
  else
    state = 'queued'
  end
  redis.call('HSET', jk, 'state', state, 'token', '', 'updated_at', now, 'last_error', ARGV[6])
  if state == 'queued' then
    redis.call('ZADD', p..'ready', now + tonumber(ARGV[7]), id)
    redis.call('SET', p..'slot:'..slot, id)
  end
end
if state ~= 'queued' then
  if redis.call('GET', p..'dedupe:'..dd) == id then redis.call('DEL', p..'dedupe:'..dd) end
  redis.call('EXPIRE', jk, 604800)
end
return state
"""


class RedisQueue:
    """The distributed queue: any number of workers on any machines share one Redis."""

    def __init__(
        self,
        url: str,
        cfg: QueueConfig,
        *,
        prefix: str = "migcheck:q:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        import redis

        self.cfg = cfg
        self.prefix = prefix
        self._clock = clock
        # the password comes from the environment (config check refuses one in the URL)
        password = os.environ.get(cfg.password_env) if cfg.password_env else None
        self._r: Any = redis.Redis.from_url(url, decode_responses=True, password=password)
        self._enqueue = self._r.register_script(_LUA_ENQUEUE)
        self._lease = self._r.register_script(_LUA_LEASE)
        self._finish = self._r.register_script(_LUA_FINISH)

    def enqueue(
        self, *, slot: str, mr_key: str, kind: str, payload: dict[str, Any], dedupe_key: str
    ) -> EnqueueResult:
        """See JobQueue.enqueue."""
        data = json.dumps(payload, sort_keys=True)
        out = self._enqueue(
            args=[self.prefix, slot, mr_key, kind, dedupe_key, data, repr(self._clock())]
        )
        return EnqueueResult(str(out[0]), str(out[1]))

    def lease(self, worker: str) -> Lease | None:
        """See JobQueue.lease."""
        token = secrets.token_hex(8)
        out = self._lease(
            args=[
                self.prefix,
                repr(self._clock()),
                repr(self.cfg.visibility_timeout),
                token,
                worker,
                self.cfg.max_attempts,
            ]
        )
        if not out:
            return None
        h = dict(zip(out[::2], out[1::2], strict=True))
        job = Job(
            id=h["id"],
            slot=h["slot"],
            mr_key=h["mr_key"],
            kind=h["kind"],
            payload=json.loads(h["payload"]),
            attempts=int(h["attempts"]),
            created_at=float(h["created_at"]),
        )
        return Lease(job, token)

    def _call(self, lease: Lease, mode: str, arg: str = "", delay: float = 0.0) -> str:
        out = self._finish(
            args=[
                self.prefix,
                lease.job.id,
                lease.token,
                repr(self._clock()),
                mode,
                arg,
                repr(delay),
                self.cfg.max_attempts,
                repr(self.cfg.visibility_timeout),
            ]
        )
        return str(out)

    def extend(self, lease: Lease) -> bool:
        """See JobQueue.extend."""
        return self._call(lease, "extend") == "leased"

    def ack(self, lease: Lease, result: str = "done") -> bool:
        """See JobQueue.ack."""
        return self._call(lease, "ack", result if result in STATES else "done") != "lost"

    def retry(self, lease: Lease, error: str, *, delay: float | None = None) -> str:
        """See JobQueue.retry."""
        wait = backoff(self.cfg, lease.job.attempts) if delay is None else delay
        return self._call(lease, "retry", error[:2000], wait)

    def claim_delivery(self, key: str, ttl: float) -> bool:
        """Shared delivery dedupe for several web replicas: True the first time in ttl."""
        return bool(self._r.set(self.prefix + "delivery:" + key, "1", nx=True, ex=int(ttl)))

    def forget_delivery(self, key: str) -> None:
        """Undo claim_delivery."""
        self._r.delete(self.prefix + "delivery:" + key)

    def depth(self) -> int:
        """See JobQueue.depth."""
        return int(self._r.zcard(self.prefix + "ready")) + int(
            self._r.zcard(self.prefix + "leased")
        )

    def counts(self) -> dict[str, int]:
        """See JobQueue.counts (finished states over the recent list only)."""
        out = dict.fromkeys(STATES, 0)
        for info in self.recent(500):
            out[info.state] = out.get(info.state, 0) + 1
        out["queued"] = int(self._r.zcard(self.prefix + "ready"))
        out["leased"] = int(self._r.zcard(self.prefix + "leased"))
        return out

    def _info(self, h: dict[str, str]) -> JobInfo:
        return JobInfo(
            id=h.get("id", ""),
            kind=h.get("kind", ""),
            mr_key=h.get("mr_key", ""),
            state=h.get("state", ""),
            attempts=int(h.get("attempts", "0")),
            created_at=float(h.get("created_at", "0")),
            updated_at=float(h.get("updated_at", "0")),
            last_error=h.get("last_error", ""),
        )

    def recent(self, limit: int = 50) -> list[JobInfo]:
        """See JobQueue.recent."""
        ids = self._r.lrange(self.prefix + "recent", 0, max(0, limit - 1))
        pipe = self._r.pipeline()
        for i in ids:
            pipe.hgetall(self.prefix + "job:" + i)
        return [self._info(h) for h in pipe.execute() if h]

    def get(self, job_id: str) -> JobInfo | None:
        """See JobQueue.get."""
        h = self._r.hgetall(self.prefix + "job:" + job_id)
        return self._info(h) if h else None

    def close(self) -> None:
        """See JobQueue.close."""
        self._r.close()
