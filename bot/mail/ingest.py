"""Ingest: list messages into the MailStore. Public-inbox epochs are read after their cursor
(bot.sources.publicinbox), mbox/maildir messages by Message-ID; only patch mails and
possible commands are kept, and our own replies coming back through the archive are marked
sent."""

from __future__ import annotations

from collections.abc import Iterable

from bot.mail.commands import find_command
from bot.mail.store import MailStore
from bot.mail.subject import parse_subject
from bot.sources.mail import MailMessage, parse_mail, peek_headers
from bot.sources.publicinbox import iter_new

FLUSH_EVERY = 256  # skipped messages between two cursor writes


def classify(msg: MailMessage) -> str:
    """'patch' (patch or cover letter), 'command' (/check-migration reply) or ''."""
    ps = parse_subject(msg.subject)
    if ps.is_patch and (ps.is_cover or msg.has_diff):
        return "patch"
    if find_command(msg.body) is not None:
        return "command"
    return ""


def store_message(store: MailStore, msg: MailMessage, inbox: str = "", epoch: int = -1,
                  commit: str = "") -> bool:  # fmt: skip
    """Store one message (and move the epoch's cursor); True when it was new and kept."""
    if store.is_own_reply(msg.msgid):
        store.mark_sent(msg.msgid, "sent")  # came back through the archive
        kind = ""
    else:
        kind = classify(msg)
    payload = (msg.msgid, msg.raw, kind) if kind else None
    return store.ingest(inbox, epoch, commit, payload) and bool(kind)


def ingest_inbox(store: MailStore, inbox: str, limit: int = 0) -> tuple[int, int]:
    """Read new commits of every epoch after its cursor: (messages read, messages kept).

    Triage on the headers first: only patch mails and possible commands are parsed and
    stored; for the rest only the cursor moves (flushed every FLUSH_EVERY messages;
    re-reading a few after a crash is harmless since stored messages dedupe by Message-ID).
    """
    n = kept = 0
    lag: tuple[int, str] | None = None
    for item in iter_new(inbox, store.cursors(inbox)):
        n += 1
        keep = False
        if item.raw is not None:
            mid, subject = peek_headers(item.raw)
            if mid and store.is_own_reply(mid):
                store.mark_sent(mid, "sent")  # came back through the archive
            else:
                keep = parse_subject(subject).is_patch or b"/check-migration" in item.raw
        if lag is not None and lag[0] != item.epoch:
            store.ingest(inbox, lag[0], lag[1], None)
            lag = None
        if keep and item.raw is not None:
            kept += store_message(store, parse_mail(item.raw), inbox, item.epoch, item.commit)
            lag = None
        else:
            lag = (item.epoch, item.commit)
            if n % FLUSH_EVERY == 0:
                store.ingest(inbox, item.epoch, item.commit, None)
                lag = None
        if limit and n >= limit:
            break
    if lag is not None:
        store.ingest(inbox, lag[0], lag[1], None)
    return n, kept


def ingest_messages(store: MailStore, msgs: Iterable[MailMessage]) -> tuple[int, int]:
    """Store messages read from an mbox/maildir: (messages read, messages kept)."""
    n = kept = 0
    for m in msgs:
        kept += store_message(store, m)
        n += 1
    return n, kept
