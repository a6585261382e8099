"""The service's state DB: processed deliveries, per-MR heads and posted fingerprints, job
history and the last error. An SQLite file by default, PostgreSQL when state.url names one
(bot/sqldb.py); schema versioned and migrated on open.

GitLab stays the source of truth for what is posted (the worker reads the MR's discussions
and their hidden markers on every run); this DB is the memory that lets the web app drop
repeated deliveries and unchanged heads without an API call, and feeds /status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sqldb import Database, Migrations, Result, open_database

COMPONENT = "state"

# Each entry migrates from version i to i+1; append only (DDL templates, bot/sqldb.py).
MIGRATIONS: Migrations = (
    """
    CREATE TABLE deliveries (key TEXT PRIMARY KEY, received_at {time} NOT NULL);
    CREATE INDEX deliveries_at ON deliveries(received_at);
    CREATE TABLE mr_state (
        mr_key TEXT PRIMARY KEY,
        last_enqueued_head TEXT NOT NULL DEFAULT '',
        last_reviewed_head TEXT NOT NULL DEFAULT '',
        verdict TEXT NOT NULL DEFAULT '',
        updated_at {time} NOT NULL
    );
    CREATE TABLE posted (
        mr_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        discussion_id TEXT NOT NULL,
        note_id {int64} NOT NULL,
        state TEXT NOT NULL,
        updated_at {time} NOT NULL,
        PRIMARY KEY (mr_key, fingerprint)
    );
    CREATE TABLE job_history (
        id {id},
        job_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        mr_key TEXT NOT NULL,
        head TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        started_at {time} NOT NULL,
        finished_at {time},
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at {time} NOT NULL);
    """,
    """
    CREATE INDEX job_history_job ON job_history(job_id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One job run."""

    job_id: str
    kind: str
    mr_key: str
    head: str
    status: str
    started_at: float
    finished_at: float | None
    detail: str


class StateDB:
    """Thread-safe access to the state DB: an SQLite file path, a postgresql:// URL, or an
    open Database."""

    def __init__(
        self, target: Database | Path | str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = target if isinstance(target, Database) else open_database(target)
        self.target = self._db.target
        self._clock = clock
        self.migrate()

    @property
    def dialect(self) -> str:
        """sqlite or postgresql."""
        return self._db.dialect

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version now stored."""
        return self._db.migrate(COMPONENT, MIGRATIONS, what="state DB")

    @property
    def schema_version(self) -> int:
        """The schema version stored in the database."""
        return self._db.schema_version(COMPONENT)

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> Result:
        return self._db.execute(sql, args)

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return self._db.execute(sql, args).rows

    # deliveries
    def claim_delivery(self, key: str) -> bool:
        """True the first time `key` is seen (then it is recorded), False for a repeat."""
        cur = self._exec(
            "INSERT INTO deliveries (key, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (key, self._clock()),
        )
        return cur.rowcount == 1

    def forget_delivery(self, key: str) -> None:
        """Undo claim_delivery (the job could not be queued: let GitLab's retry through)."""
        self._exec("DELETE FROM deliveries WHERE key=?", (key,))

    def prune_deliveries(self, older_than: float) -> int:
        """Drop delivery keys older than `older_than` seconds."""
        cur = self._exec(
            "DELETE FROM deliveries WHERE received_at < ?", (self._clock() - older_than,)
        )
        return cur.rowcount

    # merge request heads
    def heads(self, mr_key: str) -> tuple[str, str]:
        """(last enqueued head, last reviewed head) of a merge request ('' when unknown)."""
        rows = self._all(
            "SELECT last_enqueued_head, last_reviewed_head FROM mr_state WHERE mr_key=?",
            (mr_key,),
        )
        return (rows[0][0], rows[0][1]) if rows else ("", "")

    def set_enqueued_head(self, mr_key: str, head: str) -> None:
        """Remember the head a review was queued for."""
        self._exec(
            "INSERT INTO mr_state (mr_key, last_enqueued_head, updated_at) VALUES (?,?,?)"
            " ON CONFLICT(mr_key) DO UPDATE SET last_enqueued_head=excluded.last_enqueued_head,"
            " updated_at=excluded.updated_at",
            (mr_key, head, self._clock()),
        )

    def set_reviewed(self, mr_key: str, head: str, verdict: str) -> None:
        """Remember the head a review finished for and its verdict."""
        self._exec(
            "INSERT INTO mr_state (mr_key, last_reviewed_head, verdict, updated_at)"
            " VALUES (?,?,?,?) ON CONFLICT(mr_key) DO UPDATE SET"
            " last_reviewed_head=excluded.last_reviewed_head, verdict=excluded.verdict,"
            " updated_at=excluded.updated_at",
            (mr_key, head, verdict, self._clock()),
        )

    # posted comments
    def record_posted(
        self, mr_key: str, fingerprint: str, discussion_id: str, note_id: int, state: str
    ) -> None:
        """Remember a comment this bot posted (state: open/resolved/summary)."""
        self._exec(
            "INSERT INTO posted VALUES (?,?,?,?,?,?) ON CONFLICT(mr_key, fingerprint) DO UPDATE"
            " SET discussion_id=excluded.discussion_id, note_id=excluded.note_id,"
            " state=excluded.state, updated_at=excluded.updated_at",
            (mr_key, fingerprint, discussion_id, note_id, state, self._clock()),
        )

    def posted(self, mr_key: str) -> dict[str, tuple[str, int, str]]:
        """fingerprint -> (discussion id, note id, state) for a merge request."""
        rows = self._all(
            "SELECT fingerprint, discussion_id, note_id, state FROM posted WHERE mr_key=?",
            (mr_key,),
        )
        return {r[0]: (r[1], int(r[2]), r[3]) for r in rows}

    # job history
    def job_started(self, job_id: str, kind: str, mr_key: str, head: str = "") -> int:
        """Record the start of a job run; returns the history row id."""
        row = self._exec(
            "INSERT INTO job_history (job_id, kind, mr_key, head, status, started_at)"
            " VALUES (?,?,?,?,'running',?) RETURNING id",
            (job_id, kind, mr_key, head, self._clock()),
        ).one()
        return int(row[0]) if row else 0

    def job_finished(self, row_id: int, status: str, detail: str = "", head: str = "") -> None:
        """Record how a job run ended."""
        self._exec(
            "UPDATE job_history SET status=?, detail=?, finished_at=?,"
            " head=CASE WHEN ?<>'' THEN ? ELSE head END WHERE id=?",
            (status, detail[:4000], self._clock(), head, head, row_id),
        )

    def history(self, limit: int = 50, *, job_id: str | None = None) -> list[HistoryRow]:
        """The newest job runs (of one job when job_id is given), newest first."""
        where, args = ("WHERE job_id=?", (job_id,)) if job_id else ("", ())
        rows = self._all(
            "SELECT job_id, kind, mr_key, head, status, started_at, finished_at, detail"
            f" FROM job_history {where} ORDER BY id DESC LIMIT ?",
            (*args, limit),
        )
        return [HistoryRow(*r) for r in rows]

    # last error and other small values
    def set_value(self, key: str, value: str) -> None:
        """Store a small value (e.g. last_error)."""
        self._exec(
            "INSERT INTO kv VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value,"
            " updated_at=excluded.updated_at",
            (key, value, self._clock()),
        )

    def value(self, key: str) -> tuple[str, float] | None:
        """(value, when) of a stored key."""
        rows = self._all("SELECT value, updated_at FROM kv WHERE key=?", (key,))
        return (rows[0][0], float(rows[0][1])) if rows else None

    def set_error(self, text: str) -> None:
        """Remember the last error for /status."""
        self.set_value("last_error", text)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
