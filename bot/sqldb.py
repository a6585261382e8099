"""The databases that hold the service's state: an SQLite file (default) or PostgreSQL.

Callers write one SQL text with `?` placeholders and portable syntax (`ON CONFLICT ... DO
NOTHING/UPDATE`, `RETURNING`); the PostgreSQL side rewrites the placeholders. The DDL of each
migration is one template whose column types are named by role ({id}, {time}, {int64}, {blob},
{seq}; see DDL_TYPES) and rendered per dialect; `Database.seq` is the column that orders rows
by insertion (SQLite's implicit rowid, or the `seq BIGSERIAL` column {seq} adds in PostgreSQL).

Schema versions: SQLite keeps one component per file in PRAGMA user_version (files written by
older migcheck releases keep working); PostgreSQL keeps one row per component in
`migcheck_schema`, so the state DB, the queue and the mail store can share one database.
Migrations run in one transaction on open, under a lock, so several processes may start at once.

A PostgreSQL URL never carries the password: libpq reads it from PGPASSWORD or ~/.pgpass.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.errors import BotError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# Migration scripts (DDL templates); entry i migrates from version i to i+1. Append only.
Migrations = Sequence[str]

# What the DDL templates' placeholders become in each dialect. SQLite keeps the types its
# files have always had; PostgreSQL gets 64-bit ids and times as DOUBLE PRECISION (REAL is
# 32-bit there), and an explicit arrival-order column where SQLite has its rowid.
DDL_TYPES: Mapping[str, Mapping[str, str]] = {
    "sqlite": {
        "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "time": "REAL",
        "int64": "INTEGER",
        "blob": "BLOB",
        "seq": "",
    },
    "postgresql": {
        "id": "BIGSERIAL PRIMARY KEY",
        "time": "DOUBLE PRECISION",
        "int64": "BIGINT",
        "blob": "BYTEA",
        "seq": ", seq BIGSERIAL",
    },
}


def render_ddl(template: str, dialect: str) -> str:
    """A DDL template for one dialect (see DDL_TYPES)."""
    return template.format_map(DDL_TYPES[dialect])


def is_postgres_url(target: str | Path) -> bool:
    """Whether a state target names a PostgreSQL database rather than an SQLite file."""
    return str(target).startswith(POSTGRES_SCHEMES)


def redact_url(url: str) -> str:
    """The URL without a password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


@dataclass(frozen=True, slots=True)
class Result:
    """What a statement returned: its rows (RETURNING or SELECT) and the rows it changed."""

    rows: list[tuple[Any, ...]]
    rowcount: int

    def one(self) -> tuple[Any, ...] | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None


class Executor(Protocol):
    """Something that runs one statement: a database, or an open transaction on it."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """Run one statement with `?` placeholders."""
        ...


class Database:
    """One connection to a state database, shared by threads (one lock)."""

    dialect: str = ""
    seq: str = ""  # the column that orders rows by insertion
    target: str = ""  # a path, or the URL without its password

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """Run one statement in its own transaction."""
        raise NotImplementedError

    @contextmanager
    def transaction(self, lock: str = "") -> Iterator[Executor]:
        """A transaction; with `lock`, serialised against every other holder of that name
        (SQLite serialises all writers anyway)."""
        raise NotImplementedError
        yield self  # pragma: no cover

    def schema_version(self, component: str) -> int:
        """The schema version stored for a component (0 when none)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError

    def migrate(self, component: str, migrations: Migrations, *, what: str) -> int:
        """Apply the component's pending migrations in one transaction; return the version."""
        target = len(migrations)
        with self.transaction(lock="migcheck_schema") as tx:
            self._prepare_versions(tx)
            version = self._read_version(tx, component)
            if version > target:
                raise BotError(
                    f"{what} schema {version} is newer than this migcheck ({target})",
                    input_name=self.target,
                    hint="upgrade migcheck, or point it at another state directory or database",
                )
            for i in range(version, target):
                for stmt in render_ddl(migrations[i], self.dialect).split(";"):
                    if stmt.strip():
                        tx.execute(stmt)
                self._write_version(tx, component, i + 1)
        return target

    def _prepare_versions(self, tx: Executor) -> None:
        pass

    def _read_version(self, tx: Executor, component: str) -> int:
        raise NotImplementedError

    def _write_version(self, tx: Executor, component: str, version: int) -> None:
        raise NotImplementedError


class _SqliteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        cur = self._db.execute(sql, tuple(args))
        rows = cur.fetchall() if cur.description else []
        return Result(rows, cur.rowcount)


class SqliteDatabase(Database):
    """An SQLite file in WAL mode: crash-safe, shared by threads and processes."""

    dialect = "sqlite"
    seq = "rowid"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.target = str(path)
        try:
            if self.target != ":memory:":
                Path(self.target).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.target, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            if self.target != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # with WAL: survives process crashes
            db.execute("PRAGMA busy_timeout=30000")
        except (sqlite3.Error, OSError) as exc:
            raise BotError(
                f"cannot open the SQLite state file: {exc}",
                input_name=self.target,
                hint="check that the state directory exists and is writable by this user",
            ) from exc
        self._db = db
        self._tx = _SqliteTx(db)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """See Database.execute."""
        with self._lock:
            return self._tx.execute(sql, args)

    @contextmanager
    def transaction(self, lock: str = "") -> Iterator[Executor]:
        """See Database.transaction (BEGIN IMMEDIATE: one writer at a time)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._tx
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def schema_version(self, component: str) -> int:
        """See Database.schema_version (one component per file)."""
        return self._read_version(self._tx, component)

    def _read_version(self, tx: Executor, component: str) -> int:
        row = tx.execute("PRAGMA user_version").one()
        return int(row[0]) if row else 0

    def _write_version(self, tx: Executor, component: str, version: int) -> None:
        tx.execute(f"PRAGMA user_version={int(version)}")

    def close(self) -> None:
        """See Database.close."""
        with self._lock:
            self._db.close()


def _pg_sql(sql: str) -> str:
    if "%" in sql:
        raise ValueError(f"'%' in SQL meant for both dialects: {sql!r}")
    return sql.replace("?", "%s")


class _PostgresTx:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        cur = self._conn.execute(_pg_sql(sql), tuple(args))
        rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
        return Result(rows, cur.rowcount)


class PostgresDatabase(Database):
    """A PostgreSQL database (psycopg 3), for several machines sharing one state."""

    dialect = "postgresql"
    seq = "seq"

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.target = redact_url(url)
        self._connect_timeout = connect_timeout
        self._conn: Any = None
        self._connect()

    def _connect(self) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise BotError(
                "PostgreSQL state needs the psycopg package",
                input_name=self.target,
                hint="pip install 'psycopg[binary]'",
            ) from exc
        try:
            self._conn = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, int(self._connect_timeout)),
                application_name="migcheck",
            )
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BotError(
                f"cannot connect to the PostgreSQL state database: {first}",
                input_name=self.target,
                hint="check state.url, that the server runs and accepts this user, and that"
                " the password is in PGPASSWORD or ~/.pgpass",
            ) from exc

    def _live(self) -> _PostgresTx:
        """The connection, reconnected first when the server dropped it (restart, timeout)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._connect()
        return _PostgresTx(self._conn)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """See Database.execute; one retry on a fresh connection if the old one is dead."""
        import psycopg

        with self._lock:
            try:
                return self._live().execute(sql, args)
            except psycopg.OperationalError:
                if self._conn is not None and not self._conn.closed and not self._conn.broken:
                    raise
                return self._live().execute(sql, args)

    @contextmanager
    def transaction(self, lock: str = "") -> Iterator[Executor]:
        """See Database.transaction (a transaction-scoped advisory lock for `lock`)."""
        with self._lock:
            tx = self._live()
            with self._conn.transaction():
                if lock:
                    tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (lock,))
                yield tx

    def _prepare_versions(self, tx: Executor) -> None:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS migcheck_schema"
            " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )

    def schema_version(self, component: str) -> int:
        """See Database.schema_version."""
        with self.transaction(lock="migcheck_schema") as tx:
            self._prepare_versions(tx)
            return self._read_version(tx, component)

    def _read_version(self, tx: Executor, component: str) -> int:
        row = tx.execute(
            "SELECT version FROM migcheck_schema WHERE component=?", (component,)
        ).one()
        return int(row[0]) if row else 0

    def _write_version(self, tx: Executor, component: str, version: int) -> None:
        tx.execute(
            "INSERT INTO migcheck_schema VALUES (?, ?) ON CONFLICT (component)"
            " DO UPDATE SET version=excluded.version",
            (component, version),
        )

    def close(self) -> None:
        """See Database.close."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()


def open_database(target: str | Path) -> Database:
    """The state database a target names: a postgresql:// URL, or an SQLite file path."""
    if is_postgres_url(target):
        return PostgresDatabase(str(target))
    return SqliteDatabase(target)
