"""SQLite files that hold state: one connection mode and one versioned-migration routine.

Both the service state DB and the mail store keep their schema version in PRAGMA user_version
and apply the missing migrations, in one transaction, when they open the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

from bot.errors import BotError


def connect(path: str) -> sqlite3.Connection:
    """Autocommit connection usable from several threads; WAL (crash-safe, many processes)."""
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    if path != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: survives process crashes
    db.execute("PRAGMA busy_timeout=30000")
    return db


def migrate(
    db: sqlite3.Connection,
    migrations: Sequence[str],
    *,
    lock: threading.Lock | threading.RLock,
    what: str,
    path: str,
) -> int:
    """Apply migrations[user_version:] (each a `;`-separated script); return the new version."""
    target = len(migrations)
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > target:
                raise BotError(
                    f"{what} schema {version} is newer than this migcheck ({target})",
                    input_name=path,
                    hint="upgrade migcheck, or point it at another state directory",
                )
            for i in range(version, target):
                for stmt in migrations[i].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version={i + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return target
