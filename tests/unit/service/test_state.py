"""The state DB: migrations on open, deliveries, heads, history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.service.state import MIGRATIONS, SCHEMA_VERSION, StateDB


def test_fresh_db_and_migration_from_v1(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
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


def test_deliveries_heads_history(tmp_path: Path) -> None:
    st = StateDB(tmp_path / "s.sqlite3")
    assert st.claim_delivery("d1") and not st.claim_delivery("d1")
    st.forget_delivery("d1")
    assert st.claim_delivery("d1")
    st.set_enqueued_head("1!2", "abc")
    st.set_reviewed("1!2", "abc", "fail")
    assert st.heads("1!2") == ("abc", "abc")
    row = st.job_started("5", "review", "1!2", "abc")
    st.job_finished(row, "done", "ok")
    [h] = st.history()
    assert (h.job_id, h.status, h.detail) == ("5", "done", "ok")
    st.record_posted("1!2", "fp1", "d", 3, "open")
    st.record_posted("1!2", "fp1", "d", 3, "resolved")
    assert st.posted("1!2") == {"fp1": ("d", 3, "resolved")}
    st.set_error("boom")
    assert st.value("last_error") is not None
    st.close()
