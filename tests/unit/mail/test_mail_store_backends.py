"""The mail store behaves the same on an SQLite file and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.mail.store import SCHEMA_VERSION, MailStore


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "mail.sqlite3")
    return str(request.getfixturevalue("postgres_url"))


def test_ingest_cursors_and_arrival_order(target: str) -> None:
    t = [100.0]
    st = MailStore(target, clock=lambda: t[0])
    assert st.schema_version == SCHEMA_VERSION
    # message ids sorted the other way round from arrival: order must follow arrival
    for i, mid in enumerate(["z@x", "m@x", "a@x"]):
        assert st.ingest("inbox", 0, f"c{i}", (mid, f"raw-{mid}".encode(), "patch"))
    assert not st.ingest("inbox", 0, "c9", ("m@x", b"again", "patch"))  # known: cursor moves
    assert st.ingest("inbox", 1, "e1", None) is False
    assert st.cursors("inbox") == {0: "c9", 1: "e1"}
    assert st.add_message("cover@x", b"\xff\xfe non-UTF-8 bytes", "cover")
    assert st.messages() == [b"raw-z@x", b"raw-m@x", b"raw-a@x"]
    assert st.messages(kinds=("cover",)) == [b"\xff\xfe non-UTF-8 bytes"]
    t[0] = 200.0
    st.add_message("late@x", b"late", "patch")
    assert st.messages(since=150.0) == [b"late"]
    assert st.has_message("a@x") and not st.has_message("b@x")
    st.close()


def test_series_upsert_keeps_known_base_and_head(target: str) -> None:
    st = MailStore(target)
    assert st.series_status("s") is None and st.series_heads("s") == ("", "")
    st.set_series("s", "pending", "waiting for 2/3")
    st.set_series("s", "reviewed", base="b1", head="h1", revision=2)
    st.set_series("s", "obsolete", "v3 arrived")  # no base/head given: the old ones stay
    status = st.series_status("s")
    assert status is not None and status[:2] == ("obsolete", "v3 arrived")
    assert st.series_heads("s") == ("b1", "h1")
    assert st.all_series() == {"s": ("obsolete", "v3 arrived")}
    st.close()


def test_replies_pending_sent_and_dedupe(target: str) -> None:
    t = [1000.0]
    st = MailStore(target, clock=lambda: t[0])
    st.record_reply("r2@bot", "p2@x", "s1", ["a@x", "b@x"], b"two", ["fp2"])
    st.record_reply("r1@bot", "p1@x", "s1", ["a@x"], b"one", ["fp1", "fp2"])
    st.record_reply("r1@bot", "p1@x", "s1", ["a@x"], b"dup", ["fp1"])  # same id: ignored
    pending = st.pending_replies()
    assert [r.reply_msgid for r in pending] == ["r2@bot", "r1@bot"]  # created order (tie: seq)
    assert pending[0].recipients == ("a@x", "b@x") and pending[1].raw == b"one"
    assert st.fingerprints_on(["p1@x", "zz@x"]) == {"p1@x": frozenset({"fp1", "fp2"})}
    assert st.fingerprints_on(["p2@x"]) == {"p2@x": frozenset({"fp2"})}
    assert st.fingerprints_on([]) == {}
    assert st.fingerprints_in_series("s1") == {"fp1", "fp2"}
    assert st.fingerprints_in_series("s2") == frozenset()
    st.mark_sent("r1@bot")
    st.mark_sent("r2@bot", "dry-run")
    assert st.pending_replies() == [] and st.sent_since(0) == 2
    assert {r.status for r in st.replies()} == {"sent", "dry-run"}
    assert st.is_own_reply("r2@bot") and not st.is_own_reply("p1@x")
    st.set_command("cmd@x", "answered")
    st.set_command("cmd@x", "refused", "not a maintainer")
    assert st.command_status("cmd@x") == "refused" and st.command_status("other@x") == ""
    st.close()
