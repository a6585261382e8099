"""A mail bot under test: the sample repo, a public-inbox archive made here, settings that
send to a real SMTP server on loopback (aiosmtpd), a clock the test moves, and DKIM keys
served to dkimpy by a lookup function (dkimfix.Dns)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pygit2
from dkimfix import Dns
from mailfix import DATE0, Inbox, make_mail, sample_repo, series_mails
from smtpfix import Received, Sink, serve_smtp

from bot.commands import mail_cmd
from bot.mail.config import MailSettings
from bot.mail.poller import MailBot, PollResult
from bot.mail.store import MailStore

MAINT = "Mo Maintainer <maint@example.org>"


class Clock:
    """A settable clock, starting 5 minutes after the series of mailfix."""

    def __init__(self) -> None:
        self.t = float(DATE0 + 300)

    def __call__(self) -> float:
        return self.t


@dataclasses.dataclass
class MailEnv:
    """Everything a poll needs, and what the SMTP server received."""

    tmp: Path
    repo: str
    inbox: Inbox
    sink: Sink
    settings: MailSettings
    clock: Clock
    dns: Dns

    def poll(self, **kw: Any) -> PollResult:
        st = self.store()
        try:
            return MailBot(self.settings, st, clock=self.clock, dkim_dns=self.dns, **kw).poll()
        finally:
            st.close()

    def add(self, *raws: bytes) -> None:
        for r in raws:
            self.inbox.add(r)

    def store(self) -> MailStore:
        return MailStore(self.settings.store, clock=self.clock)

    @property
    def got(self) -> list[Received]:
        return list(self.sink.got)

    def replies_to(self, msgid: str) -> list[Received]:
        return [r for r in self.got if r.msg["In-Reply-To"] == f"<{msgid}>"]

    def commit(self, path: str, data: bytes, mode: int = pygit2.enums.FileMode.BLOB) -> None:
        """Add a file to the sample repo's branch, dated before the series."""
        repo = pygit2.Repository(self.repo)
        tip = repo.head.peel(pygit2.Commit)
        idx = pygit2.Index()
        idx.read_tree(tip.tree)
        idx.add(pygit2.IndexEntry(path, repo.create_blob(data), mode))
        sig = pygit2.Signature("x", "x@example.org", int(DATE0 - 100), 0)
        repo.create_commit("HEAD", sig, sig, f"add {path}\n", idx.write_tree(repo), [tip.id])


@contextmanager
def mail_env(tmp_path: Path, **settings: Any) -> Iterator[MailEnv]:
    """A MailEnv whose SMTP server runs for the duration of the block."""
    sink = Sink()
    with serve_smtp(sink) as port:
        repo, _ = sample_repo(tmp_path)
        inbox = Inbox(tmp_path / "inbox", per_epoch=5)
        base = MailSettings(
            enabled=True, inboxes=(str(inbox.root),), repo=repo, smtp_host="127.0.0.1",
            smtp_port=port, smtp_starttls=False, from_address="migcheck <bot@migcheck.test>",
            msgid_domain="migcheck.test", cache_dir=str(tmp_path / "cache"),
            wait_complete=600.0, allowed_senders=("maint@example.org",),
            rate_limit_per_hour=0, store=str(tmp_path / "mail.sqlite3"),
            outbox=str(tmp_path / "outbox"), lookback_days=0,
        )  # fmt: skip
        yield MailEnv(tmp_path, repo, inbox, sink, dataclasses.replace(base, **settings),
                      Clock(), Dns())  # fmt: skip


def command(msgid: str, target: str, text: str, *, author: str = MAINT,
            refs: tuple[str, ...] | None = None, date: float = DATE0 + 500) -> bytes:  # fmt: skip
    """A reply carrying a command, In-Reply-To `target` (References: `refs`, else target)."""
    return make_mail("Re: [PATCH] x", f"> quoted\n\n{text}\n", msgid=msgid, author=author,
                     in_reply_to=target, refs=list(refs if refs is not None else (target,)),
                     date=date)  # fmt: skip


def flat(text: str) -> str:
    """A mail body on one line (prose wraps anywhere)."""
    return " ".join(text.split())


def run_mail_cli(argv: list[str]) -> int:
    """`migcheck mail ...` in this process, keeping pytest's log handlers."""
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    mail_cmd.register(sub)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:  # `mail poll --config` installs the process's log handler; keep pytest's
        return mail_cmd.run(p.parse_args(argv))
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def poll_config(tmp: Path, smtp_port: int) -> tuple[Path, list[bytes]]:
    """A config polling an archive that holds series v1 (dated "now" for a real clock) and
    sending to the loopback SMTP server; returns it and the series' messages."""
    repo, _ = sample_repo(tmp)
    inbox = Inbox(tmp / "inbox")
    raws = series_mails("v1", date=DATE0 + 10**8)
    for raw in raws:
        inbox.add(raw)
    cfg = tmp / "migcheck.toml"
    cfg.write_text(f"""
[service]
state_dir = "{tmp / "state"}"
cache_dir = "{tmp / "cache"}"

[mail]
enabled = true
inboxes = ["{inbox.root}"]
repo = "{repo}"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_starttls = false
wait_complete = 0.0
""")
    return cfg, raws
