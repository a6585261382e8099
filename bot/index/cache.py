"""The on-disk cache: one SQLite file `<cache_dir>/models.sqlite`.

Table `models(ver, blob, data)` holds encoded FileModels by git blob id, `summaries(ver,
tree, used, data)` the aggregate tables per root tree id, `summary_info(ver, tree, time,
files, blobs)` the commit time of the revision a summary was built for (to find the nearest
one to a new revision without diffing every stored tree) and how many C files and distinct
blobs the tree has (so restoring a summary need not list the tree); `ver` is the extractor
version. Rows of other extractor versions are dropped after a complete build; past a size limit,
rows the current tree does not use are dropped too. A corrupt file or row is rebuilt,
never fatal.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

# One logger for the whole package: operators and tests filter on "bot.index".
log = logging.getLogger("bot.index")


DEFAULT_MAX_CACHE_BYTES = 180 * 1024 * 1024


MAX_SUMMARIES = 48  # per extractor version (~1.5 MB each); least recently used dropped first


class ModelCache:
    """SQLite store blob id -> encoded FileModel for one extractor version."""

    FILE = "models.sqlite"

    def __init__(self, cache_dir: Path, ver: str) -> None:
        self.dir = cache_dir
        self.path = cache_dir / self.FILE
        self.ver = ver
        self.rebuilt = False
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("index cache dir %s unusable (%s); not caching", cache_dir, exc)
            self._db = self._open(":memory:")
            return
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = self._open()
            db.execute("SELECT count(*) FROM models WHERE ver = ''").fetchone()
            return db
        except sqlite3.DatabaseError as exc:
            log.warning("index cache %s unreadable (%s); rebuilding it", self.path, exc)
            self._discard()
            try:
                return self._open()
            except sqlite3.Error as exc2:  # unwritable directory: work without a cache
                log.warning("index cache %s unusable (%s); not caching", self.path, exc2)
                return self._open(":memory:")

    def _open(self, where: str | None = None) -> sqlite3.Connection:
        db = sqlite3.connect(where or self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS models ("
            " ver TEXT NOT NULL, blob TEXT NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (ver, blob)) WITHOUT ROWID"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS summaries ("
            " ver TEXT NOT NULL, tree TEXT NOT NULL, used REAL NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (ver, tree))"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS summary_info ("
            " ver TEXT NOT NULL, tree TEXT NOT NULL, time INTEGER, files INTEGER NOT NULL,"
            " blobs INTEGER NOT NULL, PRIMARY KEY (ver, tree)) WITHOUT ROWID"
        )
        return db

    def _discard(self) -> None:
        self.rebuilt = True
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(str(self.path) + suffix)
            except OSError:
                pass

    def _reset(self, exc: Exception) -> None:
        log.warning("index cache %s failed (%s); starting it afresh", self.path, exc)
        try:
            self._db.close()
        except sqlite3.Error:
            pass
        self._discard()
        try:
            self._db = self._open()
        except sqlite3.Error as exc2:
            log.warning("index cache %s unusable (%s); not caching", self.path, exc2)
            self._db = self._open(":memory:")

    def get_many(self, blobs: Iterable[str]) -> dict[str, bytes]:
        """Encoded models for the blobs present (one query per 500 ids)."""
        ids = list(blobs)
        out: dict[str, bytes] = {}
        try:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                q = (
                    "SELECT blob, data FROM models WHERE ver = ? AND blob IN ("
                    + ",".join("?" * len(chunk))
                    + ")"
                )
                for blob, data in self._db.execute(q, [self.ver, *chunk]):
                    out[blob] = bytes(data)
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return {}
        return out

    def put_many(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store encoded models; a failing cache only costs a re-parse next time."""
        batch = [(self.ver, b, d) for b, d in rows]
        if not batch:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO models VALUES (?, ?, ?)", batch)
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def get_summary(self, tree: str) -> bytes | None:
        """The stored aggregate summary of a root tree id (marks it used), or None."""
        try:
            row = self._db.execute(
                "SELECT data FROM summaries WHERE ver = ? AND tree = ?", (self.ver, tree)
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE summaries SET used = ? WHERE ver = ? AND tree = ?",
                (time.time(), self.ver, tree),
            )
            return bytes(row[0])
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return None

    def put_summary(
        self,
        tree: str,
        data: bytes,
        keep: int = MAX_SUMMARIES,
        when: int | None = None,
        counts: tuple[int, int] | None = None,
    ) -> None:
        """Store a summary (`when`: the commit time of its revision, if known; `counts`:
        the tree's C files and distinct blobs); only the `keep` most recently used stay."""
        try:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)",
                (self.ver, tree, time.time(), data),
            )
            if counts is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO summary_info VALUES (?, ?, ?, ?, ?)",
                    (self.ver, tree, when, *counts),
                )
            self._db.execute(
                "DELETE FROM summaries WHERE ver = ? AND tree NOT IN (SELECT tree FROM"
                " summaries WHERE ver = ? ORDER BY used DESC LIMIT ?)",
                (self.ver, self.ver, keep),
            )
            self._db.execute(
                "DELETE FROM summary_info WHERE ver = ? AND tree NOT IN (SELECT tree FROM"
                " summaries WHERE ver = ?)",
                (self.ver, self.ver),
            )
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def nearest_summaries(self, prefix: str, when: int, limit: int) -> list[str]:
        """Keys (`prefix` + tree id) of the summaries whose revisions' commit times are
        closest to `when` (summaries stored without a time are not among them)."""
        try:
            rows = self._db.execute(
                "SELECT s.tree FROM summaries s JOIN summary_info t"
                " ON t.ver = s.ver AND t.tree = s.tree"
                " WHERE s.ver = ? AND substr(s.tree, 1, ?) = ? AND t.time IS NOT NULL"
                " ORDER BY abs(t.time - ?), s.used DESC LIMIT ?",
                (self.ver, len(prefix), prefix, when, limit),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return []
        return [str(r[0]) for r in rows]

    def recent_summaries(self, prefix: str, limit: int) -> list[str]:
        """Keys (`prefix` + tree id) of the most recently used summaries."""
        try:
            rows = self._db.execute(
                "SELECT tree FROM summaries WHERE ver = ? AND substr(tree, 1, ?) = ?"
                " ORDER BY used DESC LIMIT ?",
                (self.ver, len(prefix), prefix, limit),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return []
        return [str(r[0]) for r in rows]

    def summary_counts(self, tree: str) -> tuple[int, int] | None:
        """(C files, distinct blobs) of a summary's tree, when stored with it."""
        try:
            row = self._db.execute(
                "SELECT files, blobs FROM summary_info WHERE ver = ? AND tree = ?",
                (self.ver, tree),
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return None
        return (int(row[0]), int(row[1])) if row is not None else None

    def delete_summary(self, tree: str) -> None:
        """Drop a (corrupt) summary."""
        try:
            self._db.execute("DELETE FROM summaries WHERE ver = ? AND tree = ?", (self.ver, tree))
            self._db.execute(
                "DELETE FROM summary_info WHERE ver = ? AND tree = ?", (self.ver, tree)
            )
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def delete(self, blobs: Iterable[str]) -> None:
        """Drop rows (corrupt entries)."""
        try:
            self._db.executemany(
                "DELETE FROM models WHERE ver = ? AND blob = ?", [(self.ver, b) for b in blobs]
            )
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def size_bytes(self) -> int:
        """On-disk size of the cache files."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.stat(str(self.path) + suffix).st_size
            except OSError:
                pass
        return total

    def prune(self, keep: set[str], max_bytes: int) -> None:
        """Drop other extractor versions; past max_bytes, also rows the tree does not use."""
        try:
            cur = self._db.execute("DELETE FROM models WHERE ver != ?", (self.ver,))
            dropped = cur.rowcount
            cur = self._db.execute("DELETE FROM summaries WHERE ver != ?", (self.ver,))
            dropped += cur.rowcount
            self._db.execute(
                "DELETE FROM summary_info WHERE ver != ? OR tree NOT IN (SELECT tree FROM"
                " summaries WHERE ver = ?)",
                (self.ver, self.ver),
            )
            if self.size_bytes() > max_bytes:
                dropped += self._db.execute(
                    "DELETE FROM summaries WHERE tree NOT IN (SELECT tree FROM summaries"
                    " ORDER BY used DESC LIMIT 2)"
                ).rowcount
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (blob TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM keep")
                self._db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(b,) for b in keep])
                cur = self._db.execute(
                    "DELETE FROM models WHERE blob NOT IN (SELECT blob FROM keep)"
                )
                dropped += cur.rowcount
            if dropped:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._db.execute("VACUUM")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
        except sqlite3.Error:
            pass
