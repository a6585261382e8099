"""bot/sqldb.py: one SQL text on SQLite and PostgreSQL, versioned migrations, clear errors."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from bot.errors import BotError
from bot.mail.store import SCHEMA_VERSION as MAIL_SCHEMA_VERSION
from bot.mail.store import MailStore
from bot.service.state import SCHEMA_VERSION, StateDB
from bot.sqldb import PostgresDatabase, SqliteDatabase, open_database, redact_url


def test_redact_url() -> None:
    assert redact_url("postgresql://bot:s3cret@db:5432/mc") == "postgresql://bot:***@db:5432/mc"
    assert redact_url("postgresql://bot@db/mc") == "postgresql://bot@db/mc"


def test_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(BotError) as ei:
        PostgresDatabase("postgresql://bot:s3cret@127.0.0.1:1/mc", connect_timeout=2)
    text = str(ei.value) + " " + (ei.value.hint or "")
    assert "cannot connect to the PostgreSQL state database" in text
    assert "s3cret" not in text and "***" in text and "PGPASSWORD" in text


def test_unwritable_sqlite_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("not a dir")
    with pytest.raises(BotError, match="cannot open the SQLite state file") as ei:
        SqliteDatabase(tmp_path / "f" / "state.sqlite3")
    assert ei.value.hint and "writable" in ei.value.hint


def test_open_database_picks_the_backend(tmp_path: Path, postgres_url: str) -> None:
    a, b = open_database(tmp_path / "x.sqlite3"), open_database(postgres_url)
    assert (a.dialect, a.seq, b.dialect, b.seq) == ("sqlite", "rowid", "postgresql", "seq")
    with pytest.raises(ValueError, match="'%'"):
        b.execute("SELECT 1 WHERE 'a' LIKE '%'")
    a.close()
    b.close()


def test_newer_schema_is_refused(postgres_url: str) -> None:
    StateDB(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as c:
        c.execute("UPDATE migcheck_schema SET version=99 WHERE component='state'")
    with pytest.raises(BotError, match="schema 99 is newer"):
        StateDB(postgres_url)


def test_components_share_one_database(postgres_url: str) -> None:
    st, ms = StateDB(postgres_url), MailStore(postgres_url)
    with psycopg.connect(postgres_url) as c:
        rows = dict(c.execute("SELECT component, version FROM migcheck_schema").fetchall())
    assert rows == {"state": SCHEMA_VERSION, "mail": MAIL_SCHEMA_VERSION}
    st.close()
    ms.close()


def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    opened: list[StateDB] = []
    lock = threading.Lock()

    def start() -> None:
        try:
            st = StateDB(postgres_url)
            with lock:
                opened.append(st)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(opened) == 6
    assert {st.schema_version for st in opened} == {SCHEMA_VERSION}
    for st in opened:
        st.close()


def test_reconnects_after_the_server_dropped_the_connection(postgres_url: str) -> None:
    st = StateDB(postgres_url)
    assert st.claim_delivery("before")
    with psycopg.connect(postgres_url, autocommit=True) as c:
        killed = c.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name='migcheck' AND datname=current_database()"
        ).fetchall()
    assert killed and all(r[0] for r in killed)
    assert st.claim_delivery("after")  # one retry on a fresh connection
    assert not st.claim_delivery("before")
    st.close()
