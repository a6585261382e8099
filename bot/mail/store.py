"""The mail poller's state (an SQLite file, or PostgreSQL when the store is a postgresql:// URL;
bot/sqldb.py): epoch cursors, stored list messages, series verdicts,
sent replies (dedupe by (message, fingerprint)) and commands. Schema versioned, migrated on
open; safe across restarts.

Delivery is at-least-once with a stable Message-ID: a reply is recorded as `pending` with
its Message-ID before it is handed to SMTP and marked `sent` after; a restart resends a
pending reply with the same Message-ID (lists and archives drop the duplicate), and a
reply seen coming back through the archive is marked sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sqldb import Database, Migrations, Result, open_database

COMPONENT = "mail"

# DDL templates (bot/sqldb.py); tables read back in arrival order carry {seq}.
MIGRATIONS: Migrations = (
    """
    CREATE TABLE cursors (inbox TEXT NOT NULL, epoch INTEGER NOT NULL, commit_id TEXT NOT NULL,
        updated_at {time} NOT NULL, PRIMARY KEY (inbox, epoch));
    CREATE TABLE messages (msgid TEXT PRIMARY KEY, raw {blob} NOT NULL, kind TEXT NOT NULL,
        seen_at {time} NOT NULL{seq});
    CREATE INDEX messages_seen ON messages(seen_at);
    CREATE TABLE series (key TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1, base TEXT NOT NULL DEFAULT '',
        head TEXT NOT NULL DEFAULT '', first_seen {time} NOT NULL, updated_at {time} NOT NULL);
    CREATE TABLE replies (reply_msgid TEXT PRIMARY KEY, answers TEXT NOT NULL,
        series_key TEXT NOT NULL, recipients TEXT NOT NULL, status TEXT NOT NULL,
        raw {blob} NOT NULL, created_at {time} NOT NULL, sent_at {time}{seq});
    CREATE TABLE reply_findings (answers TEXT NOT NULL, fingerprint TEXT NOT NULL,
        reply_msgid TEXT NOT NULL, PRIMARY KEY (answers, fingerprint));
    CREATE TABLE commands (msgid TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT NOT NULL,
        updated_at {time} NOT NULL);
    """,
    # v2: which patches a verdict covered (a late patch reopens the series), who sent a
    # command and whether it asked for a build (per-sender rate limits)
    """
    ALTER TABLE series ADD COLUMN patches TEXT NOT NULL DEFAULT '';
    ALTER TABLE commands ADD COLUMN sender TEXT NOT NULL DEFAULT '';
    ALTER TABLE commands ADD COLUMN build INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX commands_sender ON commands(sender, updated_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A reply as recorded (pending or sent)."""

    reply_msgid: str
    answers: str
    series_key: str
    recipients: tuple[str, ...]
    status: str
    raw: bytes


class MailStore:
    """Thread-safe access to the mail state DB: an SQLite path, a postgresql:// URL, or an
    open Database."""

    def __init__(
        self, target: Database | Path | str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = target if isinstance(target, Database) else open_database(target)
        self.path = self._db.target
        self.clock = clock
        self._db.migrate(COMPONENT, MIGRATIONS, what="mail state")

    @property
    def schema_version(self) -> int:
        """The schema version stored in the database."""
        return self._db.schema_version(COMPONENT)

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> Result:
        return self._db.execute(sql, args)

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return self._db.execute(sql, args).rows

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    # cursors + messages -------------------------------------------------------------------
    def cursors(self, inbox: str) -> dict[int, str]:
        """epoch -> last commit read, for one inbox."""
        rows = self._all("SELECT epoch, commit_id FROM cursors WHERE inbox=?", (inbox,))
        return {int(r[0]): str(r[1]) for r in rows}

    def ingest(
        self, inbox: str, epoch: int, commit: str, message: tuple[str, bytes, str] | None
    ) -> bool:
        """Store a message (msgid, raw, kind) and move the epoch cursor, atomically.

        Returns True when the message was new.
        """
        now = self.clock()
        with self._db.transaction() as tx:
            new = False
            if message is not None:
                cur = tx.execute(
                    "INSERT INTO messages (msgid, raw, kind, seen_at) VALUES (?,?,?,?)"
                    " ON CONFLICT DO NOTHING",
                    (message[0], message[1], message[2], now),
                )
                new = cur.rowcount == 1
            if epoch >= 0:
                tx.execute(
                    "INSERT INTO cursors VALUES (?,?,?,?) ON CONFLICT(inbox, epoch) DO UPDATE"
                    " SET commit_id=excluded.commit_id, updated_at=excluded.updated_at",
                    (inbox, epoch, commit, now),
                )
        return new

    def add_message(self, msgid: str, raw: bytes, kind: str) -> bool:
        """Store a message read outside an inbox (maildir, mbox); True when new."""
        return self.ingest("", -1, "", (msgid, raw, kind))

    def messages(self, since: float = 0.0, kinds: Iterable[str] = ("patch",)) -> list[bytes]:
        """Raw stored messages of the given kinds seen after `since`, in arrival order."""
        ks = tuple(kinds)
        marks = ",".join("?" * len(ks))
        rows = self._all(f"SELECT raw FROM messages WHERE seen_at>=? AND kind IN ({marks})"
                         f" ORDER BY {self._db.seq}", (since, *ks))  # fmt: skip
        return [bytes(r[0]) for r in rows]

    def has_message(self, msgid: str) -> bool:
        """Whether a message is stored."""
        return bool(self._all("SELECT 1 FROM messages WHERE msgid=?", (msgid,)))

    # series ---------------------------------------------------------------------------------
    def series_status(self, key: str) -> tuple[str, str, float] | None:
        """(status, reason, first_seen) of a series, or None when never seen."""
        rows = self._all("SELECT status, reason, first_seen FROM series WHERE key=?", (key,))
        return (rows[0][0], rows[0][1], float(rows[0][2])) if rows else None

    def series_heads(self, key: str) -> tuple[str, str]:
        """(base, applied head) recorded for a series ('' when unknown)."""
        rows = self._all("SELECT base, head FROM series WHERE key=?", (key,))
        return (rows[0][0], rows[0][1]) if rows else ("", "")

    def set_series(
        self,
        key: str,
        status: str,
        reason: str = "",
        *,
        revision: int = 1,
        base: str = "",
        head: str = "",
        patches: Iterable[int] | None = None,
    ) -> None:
        """Record a series' status (pending, reviewed, skipped, obsolete, apply-failed...);
        `patches`: the counters its verdict covered ("-" when none; kept when None)."""
        now = self.clock()
        covered = "" if patches is None else ",".join(str(c) for c in sorted(set(patches)))
        covered = covered or ("-" if patches is not None else "")
        self._exec(
            "INSERT INTO series (key, status, reason, revision, base, head, first_seen,"
            " updated_at, patches) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET"
            " status=excluded.status, reason=excluded.reason, revision=excluded.revision,"
            " base=CASE WHEN excluded.base<>'' THEN excluded.base ELSE series.base END,"
            " head=CASE WHEN excluded.head<>'' THEN excluded.head ELSE series.head END,"
            " patches=CASE WHEN excluded.patches<>'' THEN excluded.patches"
            " ELSE series.patches END, updated_at=excluded.updated_at",
            (key, status, reason, revision, base, head, now, now, covered),
        )

    def covered_patches(self, key: str) -> frozenset[int] | None:
        """The patch counters the series' last review covered (None: never reviewed)."""
        rows = self._all("SELECT patches FROM series WHERE key=?", (key,))
        if not rows or not rows[0][0]:
            return None
        return frozenset(int(x) for x in str(rows[0][0]).split(",") if x.isdigit())

    def all_series(self) -> dict[str, tuple[str, str]]:
        """key -> (status, reason) of every recorded series."""
        return {r[0]: (r[1], r[2]) for r in self._all("SELECT key, status, reason FROM series")}

    # replies --------------------------------------------------------------------------------
    def fingerprints_on(self, answers_in: Iterable[str]) -> dict[str, frozenset[str]]:
        """message -> fingerprints carried by replies to it, for the given messages."""
        ids = tuple(answers_in)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        out: dict[str, set[str]] = {}
        for answers, fp in self._all(f"SELECT answers, fingerprint FROM reply_findings WHERE"
                                     f" answers IN ({marks})", ids):  # fmt: skip
            out.setdefault(answers, set()).add(fp)
        return {k: frozenset(v) for k, v in out.items()}

    def fingerprints_in_series(self, series_key: str) -> frozenset[str]:
        """Fingerprints carried by any reply about the series (patch, cover or command)."""
        rows = self._all(
            "SELECT rf.fingerprint FROM reply_findings rf JOIN replies r"
            " ON rf.reply_msgid=r.reply_msgid WHERE r.series_key=?",
            (series_key,),
        )
        return frozenset(r[0] for r in rows)

    def record_reply(
        self,
        reply_msgid: str,
        answers: str,
        series_key: str,
        recipients: Iterable[str],
        raw: bytes,
        fingerprints: Iterable[str],
    ) -> None:
        """Record a reply as pending together with the fingerprints it carries (atomic)."""
        now = self.clock()
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO replies (reply_msgid, answers, series_key, recipients, status, raw,"
                " created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (reply_msgid, answers, series_key, "\n".join(recipients), "pending", raw, now),
            )
            for fp in fingerprints:
                tx.execute("INSERT INTO reply_findings VALUES (?,?,?) ON CONFLICT DO NOTHING",
                           (answers, fp, reply_msgid))  # fmt: skip

    def mark_sent(self, reply_msgid: str, status: str = "sent") -> None:
        """A pending reply was delivered (status sent, or dry-run)."""
        self._exec("UPDATE replies SET status=?, sent_at=? WHERE reply_msgid=?",
                   (status, self.clock(), reply_msgid))  # fmt: skip

    def pending_replies(self) -> list[StoredReply]:
        """Replies recorded but not yet delivered (oldest first)."""
        rows = self._all(
            "SELECT reply_msgid, answers, series_key, recipients, status, raw"
            f" FROM replies WHERE status='pending' ORDER BY created_at, {self._db.seq}"
        )
        return [StoredReply(r[0], r[1], r[2], tuple(x for x in r[3].split("\n") if x), r[4],
                            bytes(r[5])) for r in rows]  # fmt: skip

    def reply_series(self, msgid: str) -> str:
        """The series key one of our replies was about ('' when not ours or about none)."""
        rows = self._all("SELECT series_key FROM replies WHERE reply_msgid=?", (msgid,))
        return str(rows[0][0]) if rows else ""

    def reported_in(self, series_keys: Iterable[str]) -> dict[str, str]:
        """fingerprint -> the Message-ID of our first reply carrying it, over the given series
        (earlier revisions: a finding reported there gets one short line on a new version)."""
        keys = tuple(series_keys)
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._all(
            "SELECT rf.fingerprint, r.reply_msgid FROM reply_findings rf JOIN replies r"
            f" ON rf.reply_msgid=r.reply_msgid WHERE r.series_key IN ({marks})"
            f" ORDER BY r.created_at, r.{self._db.seq}",
            keys,
        )
        out: dict[str, str] = {}
        for fp, mid in rows:
            out.setdefault(str(fp), str(mid))
        return out

    def is_own_reply(self, msgid: str) -> bool:
        """Whether a Message-ID is one of our replies."""
        return bool(self._all("SELECT 1 FROM replies WHERE reply_msgid=?", (msgid,)))

    def replies(self) -> list[StoredReply]:
        """Every recorded reply, oldest first."""
        rows = self._all(
            "SELECT reply_msgid, answers, series_key, recipients, status, raw"
            f" FROM replies ORDER BY created_at, {self._db.seq}"
        )
        return [StoredReply(r[0], r[1], r[2], tuple(x for x in r[3].split("\n") if x), r[4],
                            bytes(r[5])) for r in rows]  # fmt: skip

    def sent_since(self, since: float) -> int:
        """How many replies were delivered after `since` (rate limit)."""
        return int(self._all("SELECT COUNT(*) FROM replies WHERE status IN ('sent','dry-run')"
                             " AND sent_at>=?", (since,))[0][0])  # fmt: skip

    # commands -------------------------------------------------------------------------------
    def command_status(self, msgid: str) -> str:
        """'' when the command message was never handled."""
        rows = self._all("SELECT status FROM commands WHERE msgid=?", (msgid,))
        return str(rows[0][0]) if rows else ""

    def set_command(
        self, msgid: str, status: str, reason: str = "", *, sender: str = "", build: bool = False
    ) -> None:
        """Record how a /check-migration message was handled (answered: a reply was sent;
        build: a build was started for it)."""
        self._exec(
            "INSERT INTO commands (msgid, status, reason, updated_at, sender, build)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(msgid) DO UPDATE SET"
            " status=excluded.status, reason=excluded.reason,"
            " updated_at=excluded.updated_at, sender=excluded.sender, build=excluded.build",
            (msgid, status, reason, self.clock(), sender, int(build)),
        )

    def commands_since(self, sender: str, since: float, *, builds: bool = False) -> int:
        """Commands from `sender` answered after `since` (builds: those that started one)."""
        extra = " AND build=1" if builds else ""
        return int(self._all("SELECT COUNT(*) FROM commands WHERE sender=? AND updated_at>=?"
                             f" AND status='answered'{extra}", (sender, since))[0][0])  # fmt: skip
