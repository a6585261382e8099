"""The embedded job queue (JobQueue in bot/service/queue): an SQLite file or a PostgreSQL
database (bot/sqldb.py), every transition one transaction under the queue's lock."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import QueueConfig
from bot.service.queue import (
    FINISHED_TTL,
    STATES,
    EnqueueResult,
    Job,
    JobInfo,
    Lease,
    backoff,
)
from bot.sqldb import Database, Executor, Migrations, open_database

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
    # leases that expired (worker killed or hung): the worker parks a job after a few
    "ALTER TABLE jobs ADD COLUMN expired INTEGER NOT NULL DEFAULT 0;",
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

        def fn(db: Executor) -> Lease | None:
            if random.random() < 0.01:  # keep the table bounded: finished jobs live a week
                db.execute(
                    "DELETE FROM jobs WHERE state IN ('done','superseded','failed')"
                    " AND updated_at < ?",
                    (now - FINISHED_TTL,),
                )
            # Expired leases: the worker died or hung. Re-queue, counted: the next worker to
            # lease it parks it (and tells the author) once it expired too often.
            db.execute(
                "UPDATE jobs SET state='queued', token=NULL, available_at=?, updated_at=?,"
                " expired=expired+1, last_error='lease expired ' || (expired+1) ||"
                " ' times (worker killed or hung)' WHERE state='leased' AND lease_until < ?",
                (now, now, now),
            )
            row = db.execute(
                "SELECT id, slot, mr_key, kind, payload, attempts, created_at, expired FROM jobs"
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
                expired=int(row[7]),
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
