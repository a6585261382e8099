"""The mail bot: one pass over the list (what `migcheck mail poll` and the worker loop run).

A pass delivers replies left pending by an interrupted pass, ingests new messages
(bot.mail.ingest), reviews every series the reply policy calls ready (bot.mail.policy,
bot.mail.review), answers `/check-migration` commands (bot.mail.commands), and delivers
(bot.mail.delivery). This module holds only the state machine between them: every step is
recorded in the MailStore before the next one, so a restart neither loses nor repeats a
reply.

With `metrics` (bot.service.metrics.Metrics) every reply is counted once it is decided:
migcheck_mail_total{outcome="sent"} when SMTP accepted it, else outcome="suppressed" with a
reason from metrics.MAIL_SUPPRESS_REASONS (dry_run, rate_limit, send_failed, already_sent,
clean, below_severity, opt_out, not_allowed, no_recipient, and for a series that ends without
any reply: skipped, obsolete, apply_failed, error).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.bounded import AnalysisLimits
from bot.config import Config
from bot.errors import BotError
from bot.mail import ingest, policy
from bot.mail.assemble import MailSeries, assemble
from bot.mail.commands import Command, Senders, command_target, find_command
from bot.mail.config import MailSettings, mail_settings
from bot.mail.delivery import Delivery
from bot.mail.dkimcheck import DnsFunc, verify_sender
from bot.mail.review import (
    MailReview,
    choose_base,
    given_base,
    review_mail_series,
    skip_reason,
)
from bot.mail.store import MailStore
from bot.mail.transport import Transport, make_transport
from bot.redact import shown
from bot.reporters.common import rules_by_id
from bot.sources.mail import MailMessage, address_of, parse_mail, read_messages

if TYPE_CHECKING:
    from bot.service.metrics import Metrics

log = logging.getLogger("migcheck.mail")
# reviews of one series that never ended (the bot died in them) before it is given up
MAX_REVIEW_ATTEMPTS = 2


@dataclass(slots=True)
class PollResult:
    """Counters of one pass."""

    ingested: int = 0
    series_reviewed: int = 0
    series_skipped: int = 0
    series_pending: int = 0
    series_obsolete: int = 0
    apply_failed: int = 0
    commands: int = 0
    replies_queued: int = 0
    replies_delivered: int = 0
    notes: list[str] = field(default_factory=list)


class MailBot:
    """State + settings + transport; one instance per pass (cheap to build)."""

    def __init__(self, settings: MailSettings, store: MailStore, *,
                 transport: Transport | None = None, clock: Callable[[], float] = time.time,
                 base_override: str | None = None, force_complete: bool = False,
                 after_delivery: Callable[[str], None] | None = None,
                 after_queue: Callable[[str], None] | None = None,
                 metrics: Metrics | None = None,
                 dkim_dns: DnsFunc | None = None,
                 limits: AnalysisLimits | None = None) -> None:  # fmt: skip
        self.s = settings
        self.limits = limits or AnalysisLimits()  # the config's [review] analysis limits
        self.dkim_dns = dkim_dns  # DKIM key lookups (None: DNS); tests serve their own keys
        self.store = store
        self.clock = clock
        self.base_override = base_override
        self.force_complete = force_complete
        self.metrics = metrics
        self.delivery = Delivery(settings, store, transport or make_transport(settings),
                                 clock=clock, metrics=metrics, after_queue=after_queue,
                                 after_delivery=after_delivery)  # fmt: skip
        self.senders = Senders(settings)
        self.result = PollResult()
        self._why: dict[str, str] | None = None
        self._series_by_key: dict[str, MailSeries] = {}
        self.touched: set[str] = set()  # keys of the series the last process() looked at

    def _silence(self, reason: str, n: int = 1) -> None:
        if self.metrics is not None and reason and n > 0:
            self.metrics.mail_suppressed(reason, n)

    @property
    def why(self) -> dict[str, str]:
        """rule id -> its 'Why it breaks migration' paragraph (the registry, read once)."""
        if self._why is None:
            self._why = policy.why_by_rule(rules_by_id(None).values())
        return self._why

    # ingest -----------------------------------------------------------------------------
    def ingest_inbox(self, inbox: str, limit: int = 0) -> int:
        """Read an inbox's new messages (bot.mail.ingest); returns how many were read."""
        read, kept = ingest.ingest_inbox(self.store, inbox, limit)
        self.result.ingested += kept
        return read

    def ingest_messages(self, msgs: Iterable[MailMessage]) -> int:
        """Store messages read from an mbox/maildir (dedupe by Message-ID)."""
        read, kept = ingest.ingest_messages(self.store, msgs)
        self.result.ingested += kept
        return read

    # review -----------------------------------------------------------------------------
    def _loaded(self) -> tuple[list[MailSeries], list[MailMessage]]:
        since = self.clock() - self.s.lookback_days * 86400 if self.s.lookback_days else 0.0
        patches = [parse_mail(r) for r in self.store.messages(since, ("patch",))]
        commands = [parse_mail(r) for r in self.store.messages(since, ("command",))]
        return assemble(patches), commands

    def process(self, only: Collection[str] | None = None) -> None:
        """Review what is ready, then answer commands; `only`: just the series and commands
        holding one of these Message-IDs (`mail review` on a shared store)."""
        every, commands = self._loaded()
        self._series_by_key = {s.key: s for s in every}
        keys = set(self._series_by_key)
        series = every
        if only is not None:
            series = [s for s in every if not s.msgids().isdisjoint(only)]
            commands = [c for c in commands if c.msgid in only]
        self.touched = {s.key for s in series}
        for s in series:
            try:
                self.handle_series(s, s.obsoleted_by in keys)
            except Exception as exc:  # one broken series must not block every later poll
                if isinstance(exc, BotError):
                    what = exc.what
                else:
                    log.exception("reviewing %s failed", s.key)
                    what = f"internal error: {type(exc).__name__}: {exc}"
                self._failed(s, shown(what, 500))
        for c in commands:
            if self.store.command_status(c.msgid):
                continue
            try:
                self.handle_command(c, every)
            except Exception as exc:  # as above: record and go on
                log.exception("command %s failed", c.msgid)
                self.store.set_command(c.msgid, "error", shown(f"{type(exc).__name__}: {exc}",
                                                               500))  # fmt: skip
                self._silence("error")

    def _failed(self, s: MailSeries, what: str) -> None:
        """A series whose review failed: kept as `error` (not retried) and its author told
        once why (a private reply)."""
        self.store.set_series(s.key, "error", what, revision=s.revision)
        self.result.notes.append(f"{s.label}: {what}")
        self._tell_once(s, policy.REVIEW_FAILED, lambda: policy.review_failed_reply(s, what),
                        "error")  # fmt: skip

    def _tell_once(self, s: MailSeries, marker: str,
                   draft: Callable[[], policy.ReplyDraft | None], silence: str) -> None:
        """Record the one reply about the series that carries `marker` (none when one was
        recorded before, or there is nobody to tell: then counted as `silence`)."""
        told = marker in self.store.fingerprints_in_series(s.key)
        d = None if told else draft()
        if d is None:
            self._silence(silence)
        else:
            self._record([d], s.key)

    def _review(self, s: MailSeries, cmd: Command | None = None) -> MailReview:
        if self.base_override:
            base = given_base(self.s.repo, self.base_override)
        else:
            base = choose_base(self.s.repo, s, self.s.target_branch,
                               lambda mid: self.store.series_heads(mid)[1])  # fmt: skip
        from bot.review import default_cache_dir  # heavy; only when a review runs

        # as `migcheck check`: whole-tree views (without them no finding is demoted to a note)
        cache = Path(self.s.cache_dir) if self.s.cache_dir else default_cache_dir()
        return review_mail_series(self.s.repo, s, base, cache_dir=cache,
                                  build=cmd is not None and cmd.build, limits=self.limits,
                                  machines=cmd.machines if cmd is not None else ())  # fmt: skip

    def handle_series(self, s: MailSeries, newer_arrived: bool = False) -> None:
        """Review one series automatically if it is ready (again, when a patch arrived after
        its verdict); reply only about new findings, and once when it does not apply."""
        ready = policy.readiness(s, self.store.series_status(s.key), self.clock(), self.s,
                                 newer_arrived=newer_arrived, force_complete=self.force_complete,
                                 covered=self.store.covered_patches(s.key))  # fmt: skip
        if ready.status != "review":
            if ready.status:
                # a verdict without any patch (cover letter only) still covers nothing, so
                # a patch arriving after it reopens the series
                final = ready.status in policy.FINAL and ready.status != "obsolete"
                self.store.set_series(s.key, ready.status, ready.reason, revision=s.revision,
                                      patches=tuple(s.all_patches) if final else None)
                self.result.series_pending += ready.status == "pending"
                self.result.series_obsolete += ready.status == "obsolete"
                self._silence(ready.silence)
            return
        if ready.reason:
            self.result.notes.append(f"{s.label}: {ready.reason}; reviewing again")
        covered = tuple(s.all_patches)
        reason = skip_reason(list(s.all_patches.values()), self.s.scan_prefixes)
        if reason:
            self.store.set_series(s.key, "skipped", reason, revision=s.revision,
                                  patches=covered)  # fmt: skip
            self.result.series_skipped += 1
            self._silence("skipped")
            return
        # counted before the review: a series that kills the bot (out of memory) every time
        # is given up after MAX_REVIEW_ATTEMPTS, with one reply, instead of at every poll
        st = self.store.series_status(s.key)
        tries = int(st[1].rsplit(" ", 1)[-1]) if st and st[0] == "reviewing" else 0
        if tries >= MAX_REVIEW_ATTEMPTS:
            self._failed(s, f"the review stopped {tries} times without an answer (the mail "
                            "bot was killed, e.g. out of memory)")  # fmt: skip
            return
        self.store.set_series(s.key, "reviewing", f"attempt {tries + 1}", revision=s.revision)
        rv = self._review(s)
        if rv.apply_error:
            self.store.set_series(s.key, "apply-failed", shown(rv.apply_error, 2000),
                                  revision=s.revision,
                                  base=rv.base.commit, patches=covered)  # fmt: skip
            self.result.apply_failed += 1
            self._tell_once(s, policy.APPLY_FAILED, lambda: policy.apply_failed_reply(s, rv),
                            "apply_failed")  # fmt: skip
            return
        prior = policy.Prior(self.store.fingerprints_on(s.msgids() | _inherited_ids(s)),
                             self.store.fingerprints_in_series(s.key),
                             self.store.reported_in(_earlier(s, self._series_by_key)))  # fmt: skip
        auto = policy.auto_replies(s, rv, self.s, prior, self.why)
        for reason in auto.silences:
            self._silence(reason)
        self.result.notes.extend(auto.notes)
        self._record(auto.drafts, s.key)
        found = len(rv.report.findings) if rv.report else 0
        self.store.set_series(s.key, "reviewed", f"{found} finding(s)", revision=s.revision,
                              base=rv.base.commit, head=rv.head, patches=covered)  # fmt: skip
        self.result.series_reviewed += 1

    def _record(self, drafts: Sequence[policy.ReplyDraft], series_key: str) -> None:
        for d in drafts:
            if self.delivery.record(d, series_key):
                self.result.replies_queued += 1

    # commands ---------------------------------------------------------------------------
    def handle_command(self, c: MailMessage, series: Sequence[MailSeries]) -> None:
        """Answer a /check-migration reply from an allowed sender (always, clean or not).

        Policy (deploy/OPERATIONS.md, "Mail commands"): source reviews for allowed senders,
        at most mail.commands_per_sender_per_hour answers per sender; `--build` only for
        mail.build_senders whose DKIM signature verifies, at most
        mail.builds_per_sender_per_day. Refusals and errors go to the sender only.
        """
        cmd = find_command(c.body)
        sender = c.author_addr
        if cmd is None or sender == address_of(self.s.from_address):
            self.store.set_command(c.msgid, "ignored", "no command", sender=sender)
            return
        if not self.senders.allowed(sender):
            self.store.set_command(c.msgid, "refused", f"{sender} is not allowed", sender=sender)
            self._silence("not_allowed")
            self.result.notes.append(f"/check-migration from {sender} ignored: not an "
                                     "allowed sender")  # fmt: skip
            return
        limit = self.s.commands_per_sender_per_hour
        if limit and self.store.commands_since(sender, self.clock() - 3600) >= limit:
            self.store.set_command(c.msgid, "limited", f"over {limit} commands an hour",
                                   sender=sender)  # fmt: skip
            self._silence("rate_limit")
            self.result.notes.append(f"/check-migration from {sender} ignored: over "
                                     f"mail.commands_per_sender_per_hour ({limit})")  # fmt: skip
            return
        self.result.commands += 1
        s = command_target(c, series, self.store.reply_series)
        refused = ""
        draft: policy.ReplyDraft | None = None
        if cmd.error:
            draft = policy.bad_arguments_reply(c, cmd)
            refused = "bad arguments"
        elif s is None:
            draft = policy.no_series_reply(c)
            refused = "no series"
        elif cmd.build:
            why = self.build_refusal(c)
            if why:
                draft = policy.refusal(c, f"Your /check-migration --build did not run: {why}. "
                                          "Send /check-migration without --build for a "
                                          "source review.")  # fmt: skip
                refused = f"build refused: {why}"
        if draft is not None:
            self._record([draft], s.key if s is not None else "")
            self.store.set_command(c.msgid, "answered", refused[:500], sender=sender)
            return
        assert s is not None
        skip = skip_reason(list(s.all_patches.values()), self.s.scan_prefixes)
        rv: MailReview | None = None
        error = ""
        built = False
        if not skip:
            # recorded before the build, so a crash in it still counts against the limit
            self.store.set_command(c.msgid, "answered", "running", sender=sender,
                                   build=cmd.build)  # fmt: skip
            built = cmd.build
            try:
                rv = self._review(s, cmd)
            except BotError as exc:
                error = exc.what
        draft = policy.command_reply(c, cmd, s, self.s, self.why, skip=skip, rv=rv, error=error)
        if rv is not None and not rv.apply_error:
            st = self.store.series_status(s.key)
            if st is None or st[0] not in policy.FINAL:
                self.store.set_series(s.key, "reviewed", "on /check-migration",
                                      revision=s.revision, base=rv.base.commit,
                                      head=rv.head, patches=tuple(s.all_patches))  # fmt: skip
        self._record([draft], s.key)
        self.store.set_command(c.msgid, "answered", f"{len(draft.fingerprints)} finding(s)",
                               sender=sender, build=built)  # fmt: skip

    def build_refusal(self, c: MailMessage) -> str:
        """Why `--build` from this mail does not run ('' when it may)."""
        sender = c.author_addr
        if not self.s.build_senders:
            return ("builds are not started by mail here (mail.build_senders is empty); ask "
                    "for one on the merge request, or run migcheck check --build yourself")
        if sender not in {address_of(a) for a in self.s.build_senders}:
            return f"{sender} is not on the list of senders who may ask for a build"
        limit = self.s.builds_per_sender_per_day
        if limit and self.store.commands_since(sender, self.clock() - 86400, builds=True) >= limit:
            return f"{sender} already asked for {limit} builds in the last 24 hours"
        verdict = verify_sender(c.raw, sender, self.dkim_dns)
        if not verdict.ok:
            return f"the mail's DKIM signature does not prove it is from {sender} ({verdict.why})"
        return ""

    # delivery ---------------------------------------------------------------------------
    def deliver_pending(self) -> int:
        """Deliver what is pending (bot.mail.delivery); returns how many were handed over."""
        done = self.delivery.deliver_pending()
        self.result.replies_delivered += done.sent
        if done.held:
            self.result.notes.append("hourly rate limit reached; replies stay queued")
        return done.sent

    def poll(self) -> PollResult:
        """One pass: deliver leftovers, ingest, review, answer commands, deliver."""
        self.deliver_pending()
        limit = self.s.max_messages_per_poll
        for inbox in self.s.inboxes:
            self.ingest_inbox(inbox, limit)
        for folder in self.s.maildirs:
            if Path(folder).is_dir() and any(Path(folder).rglob("*")):
                try:
                    self.ingest_messages(read_messages(folder))
                except BotError as exc:
                    self.result.notes.append(exc.what)
        self.process()
        self.deliver_pending()
        return self.result


def _inherited_ids(s: MailSeries) -> set[str]:
    return {m.msgid for c, m in s.inherited.items() if c not in s.patches}


def _earlier(s: MailSeries, by_key: dict[str, MailSeries]) -> list[str]:
    """Keys of the revisions before `s` (newest first), as far as they are known."""
    out: list[str] = []
    key = s.previous
    while key and key not in out and key != s.key:
        out.append(key)
        prev = by_key.get(key)
        key = prev.previous if prev is not None else ""
    return out


def poll_once(
    cfg: Config | MailSettings,
    store: MailStore | None = None,
    *,
    transport: Transport | None = None,
    clock: Callable[[], float] = time.time,
    metrics: Metrics | None = None,
    limits: AnalysisLimits | None = None,
) -> PollResult:
    """One poll of the configured inboxes (config: bot.config.Config or MailSettings).

    metrics: count replies sent/suppressed on it (migcheck_mail_total); None counts nothing.
    limits: of the source analysis (default: a Config's [review] ones, else the defaults).
    """
    settings = cfg if isinstance(cfg, MailSettings) else mail_settings(cfg)
    if limits is None and isinstance(cfg, Config):
        limits = cfg.review.analysis_limits()
    own = store is None
    st = store or MailStore(settings.store or "mail.sqlite3", clock=clock)
    try:
        return MailBot(settings, st, transport=transport, clock=clock, metrics=metrics,
                       limits=limits).poll()  # fmt: skip
    finally:
        if own:
            st.close()


def poll_forever(
    cfg: Config | MailSettings,
    stop: threading.Event,
    *,
    interval: float = 60.0,
    on_error: Callable[[BaseException], None] | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Poll every `interval` seconds until `stop` (a threading.Event) is set.

    For the `migcheck worker` loop: one store for the whole run, errors reported through
    on_error (default: logged) and retried at the next interval; replies are counted on
    metrics (the worker's, served by its --metrics-port) when given.
    """
    settings = cfg if isinstance(cfg, MailSettings) else mail_settings(cfg)
    limits = cfg.review.analysis_limits() if isinstance(cfg, Config) else None
    if not settings.enabled:
        return
    store = MailStore(settings.store or "mail.sqlite3")
    try:
        while not stop.is_set():
            try:
                r = poll_once(settings, store, metrics=metrics, limits=limits)
                log.info(
                    "mail poll: %d ingested, %d reviewed, %d replies",
                    r.ingested,
                    r.series_reviewed,
                    r.replies_delivered,
                )
            except Exception as exc:  # keep the loop alive; the next pass retries
                if on_error is not None:
                    on_error(exc)
                else:
                    log.exception("mail poll failed")
            stop.wait(interval)
    finally:
        store.close()
