"""The state DB on both backends (SQLite file, PostgreSQL): migrations on open, deliveries,
heads, posted fingerprints, history."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest

from bot.service.state import MIGRATIONS, SCHEMA_VERSION, StateDB
from bot.sqldb import render_ddl


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite3")
    return str(request.getfixturevalue("postgres_url"))


def test_fresh_db_and_migration_from_v1(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(render_ddl(MIGRATIONS[0], "sqlite"))
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO deliveries VALUES ('old', 1.0)")
    db.commit()
    db.close()
    st = StateDB(path)
    assert st.migrate() == SCHEMA_VERSION
    v = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert v == SCHEMA_VERSION
    assert not st.claim_delivery("old")  # data kept across the migration
    st.close()


def test_postgres_migration_from_v1_keeps_data(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as c:
        for stmt in render_ddl(MIGRATIONS[0], "postgresql").split(";"):
            if stmt.strip():
                c.execute(stmt)
        c.execute("CREATE TABLE migcheck_schema (component TEXT PRIMARY KEY, version INTEGER)")
        c.execute("INSERT INTO migcheck_schema VALUES ('state', 1)")
        c.execute("INSERT INTO deliveries VALUES ('old', 1.0)")
    st = StateDB(postgres_url)
    assert st.dialect == "postgresql" and st.schema_version == SCHEMA_VERSION
    assert not st.claim_delivery("old")
    with psycopg.connect(postgres_url) as c:
        idx = c.execute("SELECT 1 FROM pg_indexes WHERE indexname='job_history_job'").fetchall()
    assert idx == [(1,)]
    st.close()


def test_deliveries_heads_history(target: str) -> None:
    st = StateDB(target)
    assert st.schema_version == SCHEMA_VERSION
    assert st.claim_delivery("d1") and not st.claim_delivery("d1")
    st.forget_delivery("d1")
    assert st.claim_delivery("d1")
    st.set_enqueued_head("1!2", "abc")
    assert st.heads("1!2") == ("abc", "")
    st.set_reviewed("1!2", "abc", "fail")
    assert st.heads("1!2") == ("abc", "abc") and st.heads("9!9") == ("", "")
    row = st.job_started("5", "review", "1!2", "abc")
    row2 = st.job_started("6", "command", "1!2")
    assert row2 > row > 0
    st.job_finished(row, "done", "ok")
    st.job_finished(row2, "failed", "x" * 5000, head="def")
    h2, h1 = st.history()
    assert (h1.job_id, h1.status, h1.detail, h1.head) == ("5", "done", "ok", "abc")
    assert (h2.job_id, h2.status, h2.head, len(h2.detail)) == ("6", "failed", "def", 4000)
    assert [h.job_id for h in st.history(job_id="5")] == ["5"]
    # GitLab note ids outgrow 32 bits on a big instance
    st.record_posted("1!2", "fp1", "d", 3, "open")
    st.record_posted("1!2", "fp1", "d", 3_000_000_123, "resolved")
    assert st.posted("1!2") == {"fp1": ("d", 3_000_000_123, "resolved")}
    st.set_error("boom")
    err = st.value("last_error")
    assert err is not None and err[0] == "boom"
    st.close()
    again = StateDB(target)  # reopening migrates nothing and keeps everything
    assert not again.claim_delivery("d1") and again.heads("1!2") == ("abc", "abc")
    again.close()


def test_prune_deliveries(target: str) -> None:
    t = [1000.0]
    st = StateDB(target, clock=lambda: t[0])
    st.claim_delivery("old")
    t[0] += 100
    st.claim_delivery("new")
    assert st.prune_deliveries(50) == 1
    assert st.claim_delivery("old") and not st.claim_delivery("new")
    st.close()


def test_claim_delivery_is_atomic_across_connections(target: str) -> None:
    """Eight connections (as eight processes would have) race to claim the same keys."""
    dbs = [StateDB(target) for _ in range(8)]
    wins: list[str] = []
    lock = threading.Lock()

    def run(st: StateDB) -> None:
        for i in range(40):
            if st.claim_delivery(f"k{i}"):
                with lock:
                    wins.append(f"k{i}")

    threads = [threading.Thread(target=run, args=(st,)) for st in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(f"k{i}" for i in range(40))
    for st in dbs:
        st.close()
