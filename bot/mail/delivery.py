"""Delivery: reply drafts become messages recorded in the MailStore (pending, with their
Message-ID and fingerprints) and are then handed to the transport (outbox folder or SMTP)
within the hourly rate limit. Recording before sending makes a restart resend a pending
reply with the same Message-ID instead of losing or duplicating it.

With `metrics` every reply is counted once it is decided: sent when SMTP accepted it, else
suppressed with a reason (dry_run, rate_limit, send_failed, no_recipient).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.mail import compose
from bot.mail.config import MailSettings
from bot.mail.policy import ReplyDraft
from bot.mail.store import MailStore
from bot.mail.transport import Transport
from bot.redact import Redactor
from bot.sources.mail import address_of

if TYPE_CHECKING:
    from bot.service.metrics import Metrics


@dataclass(frozen=True, slots=True)
class Delivered:
    """What one delivery round did: replies handed over, and whether the limit held some."""

    sent: int
    held: bool


class Delivery:
    """Records reply drafts and delivers what is pending."""

    def __init__(self, settings: MailSettings, store: MailStore, transport: Transport, *,
                 clock: Callable[[], float] = time.time, metrics: Metrics | None = None,
                 after_queue: Callable[[str], None] | None = None,
                 after_delivery: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.s = settings
        self.store = store
        self.transport = transport
        self.clock = clock
        self.metrics = metrics
        self.after_queue = after_queue  # crash-injection points for restart tests
        self.after_delivery = after_delivery
        self.queued: set[str] = set()  # reply Message-IDs recorded through this object
        # every reply carries text from a series or a build: redacted before it is stored
        self.redactor = Redactor.from_environment(names=(settings.smtp_password_env,))

    def record(self, draft: ReplyDraft, series_key: str) -> bool:
        """Build the reply of a draft and record it as pending; False without a recipient."""
        reply_id = f"migcheck-{int(self.clock())}-{secrets.token_hex(6)}@{self.s.msgid_domain}"
        body = compose.cap_body(draft.body, self.s.max_body_bytes)
        msg = compose.build_reply(draft.answer, body, self.s, msgid=reply_id,
                                  now=self.clock(), fingerprints=draft.fingerprints,
                                  to=draft.to, private=draft.private,
                                  clean=self.redactor.redact)  # fmt: skip
        to_list, cc_list = compose.recipients(draft.answer, self.s, to=draft.to,
                                              private=draft.private)  # fmt: skip
        rcpts = [address_of(a) for a in (*to_list, *cc_list)]
        if not rcpts:
            if self.metrics is not None:
                self.metrics.mail_suppressed("no_recipient")
            return False
        self.store.record_reply(reply_id, draft.answer.msgid, series_key, rcpts, msg.as_bytes(),
                                draft.fingerprints)  # fmt: skip
        self.queued.add(reply_id)
        if self.after_queue is not None:
            self.after_queue(reply_id)
        return True

    def deliver_pending(self) -> Delivered:
        """Send (or write to the outbox) what is pending, within the hourly rate limit.

        A transport error propagates (the reply stays pending for the next poll) after being
        counted as send_failed; a reply held by the rate limit is counted once, by the pass
        that recorded it, so a reply waiting for an hour is not counted at every poll.
        """
        sender = address_of(self.s.from_address)
        n = 0
        pending = self.store.pending_replies()
        for i, r in enumerate(pending):
            limit = self.s.rate_limit_per_hour
            if limit and self.store.sent_since(self.clock() - 3600) >= limit:
                held = sum(1 for p in pending[i:] if p.reply_msgid in self.queued)
                if self.metrics is not None and held:
                    self.metrics.mail_suppressed("rate_limit", held)
                return Delivered(n, True)
            try:
                status = self.transport.deliver(r.raw, sender, r.recipients, r.reply_msgid)
            except Exception:
                if self.metrics is not None:
                    self.metrics.mail_suppressed("send_failed")
                raise
            if self.metrics is not None:
                if status == "sent":
                    self.metrics.mail_sent()
                else:  # the outbox (dry run) or a printing transport: nobody got it
                    self.metrics.mail_suppressed("dry_run")
            self.store.mark_sent(r.reply_msgid, status)
            n += 1
            if self.after_delivery is not None:
                self.after_delivery(r.reply_msgid)
        return Delivered(n, False)
