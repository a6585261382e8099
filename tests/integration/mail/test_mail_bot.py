"""The mail bot end to end: public-inbox archive (pygit2, real layout) -> poll -> review ->
replies received by a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from mailenv import MAINT, Clock
from mailfix import (
    BROKEN_PATCH,
    CLEAN_PATCH,
    DATE0,
    DOC_PATCH,
    Inbox,
    make_mail,
    sample_bodies,
    sample_repo,
    series_mails,
)  # fmt: skip
from smtpfix import Received, Sink

from bot.mail.config import MailSettings
from bot.mail.poller import MailBot, PollResult
from bot.mail.store import MailStore


@dataclasses.dataclass
class Env:
    tmp: Path
    repo: str
    inbox: Inbox
    sink: Sink
    settings: MailSettings
    clock: Clock

    def poll(self, **kw: Any) -> PollResult:
        st = MailStore(self.settings.store, clock=self.clock)
        try:
            return MailBot(self.settings, st, clock=self.clock, **kw).poll()
        finally:
            st.close()

    def add(self, raws: list[bytes]) -> None:
        for r in raws:
            self.inbox.add(r)

    @property
    def got(self) -> list[Received]:
        return list(self.sink.got)

    def store(self) -> MailStore:
        return MailStore(self.settings.store, clock=self.clock)


@pytest.fixture
def env(tmp_path: Path, smtp_server: tuple[Sink, int]) -> Env:
    return make_env(tmp_path, smtp_server)


def make_env(tmp_path: Path, smtp_server: tuple[Sink, int]) -> Env:
    """The sample repo, an inbox, and settings that send to the loopback SMTP server."""
    sink, port = smtp_server
    repo, _ = sample_repo(tmp_path)
    inbox = Inbox(tmp_path / "inbox", per_epoch=5)
    settings = MailSettings(
        enabled=True,
        inboxes=(str(inbox.root),),
        repo=repo,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        from_address="migcheck <bot@migcheck.test>",
        msgid_domain="migcheck.test",
        cache_dir=str(tmp_path / "cache"),
        wait_complete=600.0,
        allowed_senders=("maint@example.org",),
        rate_limit_per_hour=0,
        store=str(tmp_path / "mail.sqlite3"),
        outbox=str(tmp_path / "outbox"),
        lookback_days=0,
    )
    return Env(tmp_path, repo, inbox, sink, settings, Clock())


def _by_irt(got: list[Received]) -> dict[str, Received]:
    return {str(r.msg["In-Reply-To"]): r for r in got}


def test_replies_thread_under_each_patch_once(env: Env) -> None:
    env.add(series_mails("v1", cc="Bob <bob@example.org>"))
    r = env.poll()
    assert r.series_reviewed == 1 and r.replies_delivered == 3
    by = _by_irt(env.got)
    assert set(by) == {"<v1.1@example.org>", "<v1.2@example.org>", "<v1.3@example.org>"}
    titles = [t for t, _ in sample_bodies()]
    for i in (1, 2, 3):
        m = by[f"<v1.{i}@example.org>"]
        assert m.msg["Subject"] == f"Re: [PATCH {i}/3] {titles[i - 1]}"
        assert m.msg["References"] == f"<v1.0@example.org> <v1.{i}@example.org>"
        assert m.msg["To"] == "Ada Example <ada@example.org>"
        assert "qemu-devel@nongnu.org" in m.msg["Cc"] and "bob@example.org" in m.msg["Cc"]
        assert m.msg["Auto-Submitted"] == "auto-generated"
        assert str(m.msg["Message-ID"]).endswith("@migcheck.test>")
        assert set(m.rcpt_tos) == {"ada@example.org", "qemu-devel@nongnu.org",
                                   "bob@example.org"}  # fmt: skip
        lines = m.body.splitlines()
        assert lines[0].endswith("wrote:") and lines[1].startswith("> diff --git")
        assert all(len(ln) <= 72 for ln in lines if not ln.startswith((">", "    ")))
    b1 = by["<v1.1@example.org>"].body
    assert "> -        VMSTATE_UINT32(scratch, FooState)," in b1
    assert "MIG002" in b1 and "Why this breaks migration" in b1 and "VMSTATE_UNUSED(4)" in b1
    assert "uint32_t scratch" not in b1  # only the hunk the finding is about
    assert "MIG006" in by["<v1.2@example.org>"].body
    assert "MIG030" in by["<v1.3@example.org>"].body
    # a second poll (and our own replies coming back through the archive) changes nothing
    env.add([r.data for r in env.got])
    again = env.poll()
    assert again.replies_delivered == 0 and len(env.got) == 3
    st = env.store()
    assert {r.status for r in st.replies()} == {"sent"}


def test_v2_still_broken_gets_replies_on_v2_only(env: Env) -> None:
    env.add(series_mails("v1"))
    env.poll()
    assert len(env.got) == 3
    env.add(series_mails("v2", prefix="PATCH v2", date=DATE0 + 3600,
                         reply_to="v1.0@example.org"))  # fmt: skip
    env.clock.t += 3600
    env.poll()
    new = env.got[3:]
    assert len(new) == 3
    assert {str(r.msg["In-Reply-To"]) for r in new} == {
        "<v2.1@example.org>",
        "<v2.2@example.org>",
        "<v2.3@example.org>",
    }
    assert all(r.msg["Subject"].startswith("Re: [PATCH v2 ") for r in new)
    assert all("<v1.0@example.org>" in str(r.msg["References"]) for r in new)


def test_v1_and_v2_in_one_poll_reply_only_on_v2(env: Env) -> None:
    env.add(series_mails("v1"))
    env.add(series_mails("v2", prefix="PATCH v2", date=DATE0 + 60, reply_to="v1.0@example.org"))
    r = env.poll()
    assert r.series_obsolete == 1 and r.series_reviewed == 1
    assert {str(x.msg["In-Reply-To"]) for x in env.got} == {
        "<v2.1@example.org>",
        "<v2.2@example.org>",
        "<v2.3@example.org>",
    }
    st = env.store()
    assert st.series_status("v1.0@example.org")[0] == "obsolete"  # type: ignore[index]


def test_partial_reroll_replies_once_on_the_rerolled_patch(env: Env) -> None:
    env.add(series_mails("v1"))
    env.poll()
    title, body = sample_bodies()[1]
    env.add([make_mail(f"[PATCH v2 2/3] {title}", body, msgid="rr.2@example.org",
                       date=DATE0 + 7200, in_reply_to="v1.2@example.org",
                       refs=["v1.0@example.org", "v1.2@example.org"])])  # fmt: skip
    env.clock.t += 7200
    r = env.poll()
    assert r.series_reviewed == 1
    new = env.got[3:]
    assert [str(x.msg["In-Reply-To"]) for x in new] == ["<rr.2@example.org>"]
    assert "MIG006" in new[0].body


def test_restart_in_the_middle_loses_and_repeats_nothing(env: Env) -> None:
    env.add(series_mails("a"))
    env.add(series_mails("b", cover=False, bodies=sample_bodies()[:2]))

    class Crash(Exception):
        pass

    def crash(_msgid: str) -> None:
        raise Crash

    with pytest.raises(Crash):
        env.poll(after_delivery=crash)  # dies right after the first reply went out
    assert len(env.got) == 1
    # partial ingest too: a poll that reads 2 messages at a time
    env.settings = dataclasses.replace(env.settings, max_messages_per_poll=2)
    for _ in range(6):
        env.poll()
    ids = [str(r.msg["Message-ID"]) for r in env.got]
    irt = [str(r.msg["In-Reply-To"]) for r in env.got]
    assert len(ids) == len(set(ids)) == 5
    assert sorted(irt) == sorted(["<a.1@example.org>", "<a.2@example.org>",
                                  "<a.3@example.org>", "<b.1@example.org>",
                                  "<b.2@example.org>"])  # fmt: skip


def test_clean_and_unrelated_series_are_silent(env: Env) -> None:
    env.add(series_mails("clean", cover=False, bodies=[CLEAN_PATCH]))
    env.add(series_mails("docs", cover=False, bodies=[DOC_PATCH]))
    r = env.poll()
    assert env.got == [] and r.series_reviewed == 1 and r.series_skipped == 1
    st = env.store()
    status = st.series_status("docs.1@example.org")
    assert status is not None and status[0] == "skipped" and "no .c/.h change" in status[1]


def _cmd(msgid: str, target: str, author: str, text: str = "/check-migration\n") -> bytes:
    return make_mail("Re: [PATCH] x", f"> quoted\n\n{text}", msgid=msgid, author=author,
                     in_reply_to=target, refs=[target], date=DATE0 + 500)  # fmt: skip


def test_check_migration_from_allowed_sender_always_answers(env: Env) -> None:
    env.add(series_mails("clean", cover=False, bodies=[CLEAN_PATCH]))
    env.add(series_mails("docs", cover=False, bodies=[DOC_PATCH]))
    env.add(series_mails("bad", cover=False, bodies=[BROKEN_PATCH]))
    env.poll()
    # clean: silent; docs: skipped; bad: does not apply, told once (test_mail_late)
    assert [str(r.msg["In-Reply-To"]) for r in env.got] == ["<bad.1@example.org>"]
    env.sink.got.clear()
    env.add(
        [
            _cmd("c1@x", "clean.1@example.org", MAINT),
            _cmd("c2@x", "docs.1@example.org", "Eve <eve@evil.example>"),
            _cmd("c3@x", "docs.1@example.org", MAINT),
            _cmd("c4@x", "bad.1@example.org", MAINT),
        ]
    )
    r = env.poll()
    assert r.commands == 3
    by = _by_irt(env.got)
    assert set(by) == {"<c1@x>", "<c3@x>", "<c4@x>"}  # eve is not allowed: no reply
    assert "No migration compatibility problem found" in by["<c1@x>"].body
    assert by["<c1@x>"].msg["To"] == MAINT
    assert by["<c1@x>"].msg["References"] == "<clean.1@example.org> <c1@x>"
    assert "Nothing to check: no .c/.h change" in by["<c3@x>"].body
    assert "does not apply" in by["<c4@x>"].body
    env.poll()
    assert len(env.got) == 3  # commands are answered once


def test_check_migration_reports_findings_on_a_waiting_series(env: Env) -> None:
    env.add(series_mails("m", only=[1, 3]))
    env.poll()
    assert env.got == []
    env.add([_cmd("c@x", "m.0@example.org", MAINT)])
    env.poll()
    (reply,) = env.got
    assert "MIG002" in reply.body and "patch 2/3 did not arrive" in reply.body
    env.clock.t += 3600
    env.poll()
    assert len(env.got) == 1  # the automatic pass does not repeat what the command said


def test_incomplete_series_waits_then_reviews_what_arrived(env: Env) -> None:
    env.add(series_mails("m", only=[1, 3]))
    r = env.poll()
    assert r.series_pending == 1 and env.got == []
    env.clock.t += 601
    env.poll()
    assert {str(x.msg["In-Reply-To"]) for x in env.got} == {"<m.1@example.org>",
                                                           "<m.3@example.org>"}  # fmt: skip
    assert any("patch 2/3 did not arrive within 10 minutes" in x.body for x in env.got)


def test_rate_limit_and_opt_out(env: Env) -> None:
    env.settings = dataclasses.replace(env.settings, rate_limit_per_hour=2)
    env.add(series_mails("v1"))
    r = env.poll()
    assert len(env.got) == 2 and r.replies_queued == 3
    env.poll()
    assert len(env.got) == 2
    env.clock.t += 3601
    env.poll()
    assert len(env.got) == 3
    env.settings = dataclasses.replace(env.settings, opt_out=("ada@example.org",))
    env.add(series_mails("v9", date=DATE0 + 10))
    env.poll()
    assert len(env.got) == 3


def test_dry_run_writes_eml_files_when_no_smtp(env: Env) -> None:
    env.settings = dataclasses.replace(env.settings, smtp_host="")
    env.add(series_mails("v1"))
    env.poll()
    assert env.got == []
    files = sorted((env.tmp / "outbox").glob("*.eml"))
    assert len(files) == 3
    assert all(b"Auto-Submitted: auto-generated" in f.read_bytes() for f in files)


def test_base_commit_and_based_on(env: Env) -> None:
    import pygit2

    base = str(pygit2.Repository(env.repo).head.target)
    bodies = sample_bodies()
    env.add(series_mails("dep", cover=False, bodies=bodies[:1]))
    env.add(series_mails("top", cover=True, bodies=bodies[1:], date=DATE0 + 100,
                         cover_extra="Based-on: <dep.1@example.org>\n"))  # fmt: skip
    env.add(
        series_mails(
            "bc",
            cover=True,
            bodies=bodies[:1],
            date=DATE0 + 200,
            cover_extra=f"base-commit: {base}\n",
            author="Zed <zed@x.org>",
        )
    )
    env.poll()
    st = env.store()
    dep_base, dep_head = st.series_heads("dep.1@example.org")
    assert dep_base == base and dep_head
    assert st.series_heads("top.0@example.org")[0] == dep_head
    assert st.series_heads("bc.0@example.org")[0] == base
    top_reply = next(r for r in env.got if r.msg["In-Reply-To"] == "<top.1@example.org>")
    assert "Based-on" in top_reply.body.replace("\n", " ")


def test_multipart_patch_is_reviewed(env: Env) -> None:
    title, body = sample_bodies()[0]
    msg_part, diff = body.split("---\n", 1)
    mp = ("--B\nContent-Type: text/plain; charset=utf-8\n\n" + msg_part + "---\n" + diff
          + "\n--B\nContent-Type: text/html\n\n<p>html copy</p>\n--B--\n")  # fmt: skip
    env.add(
        [
            make_mail(
                f"[PATCH] {title}",
                mp,
                msgid="mp@x",
                headers=["MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="B"'],
            )
        ]
    )
    env.poll()
    (reply,) = env.got
    assert "MIG002" in reply.body and reply.msg["In-Reply-To"] == "<mp@x>"


def test_maintainers_file_allows_check_migration(env: Env) -> None:
    import pygit2

    repo = pygit2.Repository(env.repo)
    tip = repo.head.peel(pygit2.Commit)
    idx = pygit2.Index()
    idx.read_tree(tip.tree)
    blob = repo.create_blob(
        b"Foo device\nM: Rita Reviewer <rita@example.org>\n"
        b"R: Ron <ron@example.org>\nS: Maintained\nF: hw/misc/foo.c\n"
    )
    idx.add(pygit2.IndexEntry("MAINTAINERS", blob, pygit2.enums.FileMode.BLOB))
    sig = pygit2.Signature("x", "x@example.org", int(DATE0 - 100), 0)
    repo.create_commit("HEAD", sig, sig, "add MAINTAINERS\n", idx.write_tree(repo), [tip.id])
    env.settings = dataclasses.replace(env.settings, allowed_senders=())
    env.add(series_mails("clean", cover=False, bodies=[CLEAN_PATCH]))
    env.add(
        [
            _cmd("c1@x", "clean.1@example.org", "Ron <ron@example.org>"),
            _cmd("c2@x", "clean.1@example.org", MAINT),
        ]
    )
    env.poll()
    assert [str(r.msg["In-Reply-To"]) for r in env.got] == ["<c1@x>"]


def test_non_utf8_and_rfc2047_headers_round_trip(env: Env) -> None:
    _title, body = sample_bodies()[0]
    raw = make_mail(
        "",
        body,
        msgid="l1@x",
        author="=?ISO-8859-1?Q?Jos=E9_M=FCller?= <jose@example.org>",
        subject_raw=b"[PATCH] hw/misc/foo: drop scratch (r\xe9sum\xe9)",
    )
    env.add([raw])
    env.poll()
    (reply,) = env.got
    assert reply.msg["Subject"] == "Re: [PATCH] hw/misc/foo: drop scratch (résumé)"
    assert reply.msg["To"] == "José Müller <jose@example.org>"
    assert "jose@example.org" in reply.rcpt_tos
    assert "José Müller" in reply.body.splitlines()[0]


def test_poll_forever_stops(env: Env) -> None:
    import threading

    from bot.mail.poller import poll_forever

    env.add(series_mails("v1"))
    stop = threading.Event()
    t = threading.Thread(target=poll_forever, args=(env.settings, stop), kwargs={"interval": 0.1})
    t.start()
    for _ in range(300):
        if len(env.got) >= 3:
            break
        threading.Event().wait(0.1)
    stop.set()
    t.join(10)
    assert not t.is_alive() and len(env.got) == 3


def test_crash_between_queueing_and_finishing_a_series(env: Env) -> None:
    env.add(series_mails("a"))

    class Crash(BaseException):  # a kill, not an error the bot should handle
        pass

    calls: list[str] = []

    def crash(msgid: str) -> None:
        calls.append(msgid)
        if len(calls) == 2:
            raise Crash  # two replies recorded, the series not yet marked reviewed

    with pytest.raises(Crash):
        env.poll(after_queue=crash)
    assert env.got == []
    st = env.store()
    status = st.series_status("a.0@example.org")  # not marked reviewed: a review attempt
    assert status is not None and status[:2] == ("reviewing", "attempt 1")
    st.close()
    env.poll()  # restart: the two recorded replies go out, the review runs again
    env.poll()
    irt = sorted(str(r.msg["In-Reply-To"]) for r in env.got)
    assert irt == ["<a.1@example.org>", "<a.2@example.org>", "<a.3@example.org>"]
