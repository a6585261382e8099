"""The mail bot: ingest list messages, assemble series, review, reply once, obey commands.

`poll_once(config)` is one pass (what `migcheck mail poll` and the worker loop call):
deliver replies left pending by an interrupted pass, read new messages (public-inbox epochs
with a cursor each, maildirs), review every series that is complete (or waited long
enough), answer `/check-migration` commands, deliver. Every step is recorded in the
MailStore before the next one, so a restart neither loses nor repeats a reply.

With `metrics` (bot.service.metrics.Metrics) every reply is counted once it is decided:
migcheck_mail_total{outcome="sent"} when SMTP accepted it, else outcome="suppressed" with a
reason from metrics.MAIL_SUPPRESS_REASONS (dry_run, rate_limit, send_failed, already_sent,
clean, below_severity, opt_out, not_allowed, no_recipient, and for a series that ends without
any reply: skipped, obsolete, apply_failed, error).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import BotError
from bot.findings import Finding, Severity
from bot.mail import compose
from bot.mail.assemble import MailSeries, assemble
from bot.mail.commands import Command, find_command, maintainers_from_repo
from bot.mail.config import MailSettings, mail_settings
from bot.mail.review import BaseChoice, MailReview, choose_base, review_mail_series, skip_reason
from bot.mail.store import MailStore
from bot.mail.subject import parse_subject
from bot.mail.transport import Transport, make_transport
from bot.report import reaches
from bot.reporters.common import finding_fingerprint
from bot.sources.mail import MailMessage, address_of, parse_mail, peek_headers
from bot.sources.publicinbox import iter_new

if TYPE_CHECKING:
    from bot.service.metrics import Metrics

log = logging.getLogger("migcheck.mail")

FINAL = ("reviewed", "skipped", "obsolete", "apply-failed", "error")


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


def classify(msg: MailMessage) -> str:
    """'patch' (patch or cover letter), 'command' (/check-migration reply) or ''."""
    ps = parse_subject(msg.subject)
    if ps.is_patch and (ps.is_cover or msg.has_diff):
        return "patch"
    if find_command(msg.body) is not None:
        return "command"
    return ""


def _why_table() -> dict[str, str]:
    from bot.reporters.common import doc_sections, one_paragraph, rules_by_id

    try:
        rules = rules_by_id(None)
    except Exception:  # the registry is another team's; replies still work without it
        return {}
    return {rid: one_paragraph(doc_sections(r.doc).get("Why it breaks migration", ""))
            for rid, r in rules.items()}  # fmt: skip


class MailBot:
    """State + settings + transport; one instance per pass (cheap to build)."""

    def __init__(self, settings: MailSettings, store: MailStore, *,
                 transport: Transport | None = None, clock: Callable[[], float] = time.time,
                 base_override: str | None = None, force_complete: bool = False,
                 after_delivery: Callable[[str], None] | None = None,
                 after_queue: Callable[[str], None] | None = None,
                 metrics: Metrics | None = None) -> None:  # fmt: skip
        self.s = settings
        self.store = store
        self.transport = transport or make_transport(settings)
        self.clock = clock
        self.base_override = base_override
        self.force_complete = force_complete
        self.after_delivery = after_delivery
        self.after_queue = after_queue  # crash-injection point for restart tests
        self.metrics = metrics
        self._queued: set[str] = set()  # reply Message-IDs queued by this pass
        self.result = PollResult()
        self._why_cache: dict[str, str] | None = None
        self._maintainers: set[str] | None = None

    def _suppressed(self, reason: str, n: int = 1) -> None:
        if self.metrics is not None and n > 0:
            self.metrics.mail_suppressed(reason, n)

    # ingest -----------------------------------------------------------------------------
    def _store_message(self, msg: MailMessage, inbox: str, epoch: int, commit: str) -> None:
        if self.store.is_own_reply(msg.msgid):
            self.store.mark_sent(msg.msgid, "sent")  # came back through the archive
            kind = ""
        else:
            kind = classify(msg)
        payload = (msg.msgid, msg.raw, kind) if kind else None
        if self.store.ingest(inbox, epoch, commit, payload) and kind:
            self.result.ingested += 1

    def ingest_inbox(self, inbox: str, limit: int = 0) -> int:
        """Read new commits of every epoch after its cursor; returns messages read.

        Triage on the headers first: only patch mails and possible commands are parsed and
        stored; for the rest only the cursor moves (flushed every 256 messages; re-reading
        a few after a crash is harmless since stored messages dedupe by Message-ID).
        """
        n = 0
        lag: tuple[int, str] | None = None
        for item in iter_new(inbox, self.store.cursors(inbox)):
            n += 1
            keep = False
            if item.raw is not None:
                mid, subject = peek_headers(item.raw)
                if mid and self.store.is_own_reply(mid):
                    self.store.mark_sent(mid, "sent")  # came back through the archive
                else:
                    keep = parse_subject(subject).is_patch or b"/check-migration" in item.raw
            if keep and item.raw is not None:
                if lag is not None and lag[0] != item.epoch:
                    self.store.ingest(inbox, lag[0], lag[1], None)
                self._store_message(parse_mail(item.raw), inbox, item.epoch, item.commit)
                lag = None
            else:
                if lag is not None and lag[0] != item.epoch:
                    self.store.ingest(inbox, lag[0], lag[1], None)
                lag = (item.epoch, item.commit)
                if n % 256 == 0:
                    self.store.ingest(inbox, item.epoch, item.commit, None)
                    lag = None
            if limit and n >= limit:
                break
        if lag is not None:
            self.store.ingest(inbox, lag[0], lag[1], None)
        return n

    def ingest_messages(self, msgs: Iterable[MailMessage]) -> int:
        """Store messages read from an mbox/maildir (dedupe by Message-ID)."""
        n = 0
        for m in msgs:
            self._store_message(m, "", -1, "")
            n += 1
        return n

    # review -----------------------------------------------------------------------------
    def _why(self, rule: str) -> str:
        if self._why_cache is None:
            self._why_cache = _why_table()
        return self._why_cache.get(rule, "")

    def _loaded(self) -> tuple[list[MailSeries], list[MailMessage]]:
        since = self.clock() - self.s.lookback_days * 86400 if self.s.lookback_days else 0.0
        patches = [parse_mail(r) for r in self.store.messages(since, ("patch",))]
        commands = [parse_mail(r) for r in self.store.messages(since, ("command",))]
        return assemble(patches), commands

    def process(self) -> None:
        """Review what is ready, then answer commands."""
        series, commands = self._loaded()
        by_key = {s.key: s for s in series}
        for s in series:
            try:
                self.handle_series(s, by_key)
            except BotError as exc:
                self.store.set_series(s.key, "error", exc.what, revision=s.revision)
                self.result.notes.append(f"{s.label}: {exc.what}")
                self._suppressed("error")
            except Exception as exc:  # one broken series must not block every later poll
                log.exception("reviewing %s failed", s.key)
                what = f"internal error: {type(exc).__name__}: {exc}"
                self.store.set_series(s.key, "error", what[:500], revision=s.revision)
                self.result.notes.append(f"{s.label}: {what}")
                self._suppressed("error")
        for c in commands:
            if self.store.command_status(c.msgid):
                continue
            try:
                self.handle_command(c, series)
            except Exception as exc:  # as above: record and go on
                log.exception("command %s failed", c.msgid)
                self.store.set_command(c.msgid, "error", f"{type(exc).__name__}: {exc}"[:500])
                self._suppressed("error")

    def _applied_head(self, msgid: str) -> str:
        from_series = self.store.series_heads(msgid)[1]
        return from_series

    def _base(self, s: MailSeries) -> BaseChoice:
        if self.base_override:
            return BaseChoice(self.base_override, "the base given on the command line")
        return choose_base(self.s.repo, s, self.s.target_branch, self._applied_head)

    def _review(self, s: MailSeries, build: bool = False) -> MailReview:
        base = self._base(s)
        cache = Path(self.s.cache_dir) if self.s.cache_dir else None
        return review_mail_series(self.s.repo, s, base, cache_dir=cache, build=build)

    def _keep(self, f: Finding) -> bool:
        return reaches(f.severity, self.s.min_severity)

    def handle_series(self, s: MailSeries, by_key: dict[str, MailSeries]) -> None:
        """Review one series automatically if it is ready; reply only about new findings."""
        status = self.store.series_status(s.key)
        if status and status[0] in FINAL:
            return
        now = self.clock()
        if s.obsoleted_by and s.obsoleted_by in by_key:
            self.store.set_series(s.key, "obsolete", f"superseded by <{s.obsoleted_by}>",
                                  revision=s.revision)  # fmt: skip
            self.result.series_obsolete += 1
            self._suppressed("obsolete")
            return
        if not s.all_patches:
            if status is None or now - status[2] < self.s.wait_complete:
                self.store.set_series(s.key, "pending", "cover letter only so far")
                self.result.series_pending += 1
            else:
                self.store.set_series(s.key, "skipped", "no patch arrived")
                self._suppressed("skipped")
            return
        if s.missing and not self.force_complete:
            first = status[2] if status else now
            if now - first < self.s.wait_complete:
                self.store.set_series(s.key, "pending", f"waiting for {_counters(s)}",
                                      revision=s.revision)  # fmt: skip
                self.result.series_pending += 1
                return
        reason = skip_reason(list(s.all_patches.values()), self.s.scan_prefixes)
        if reason:
            self.store.set_series(s.key, "skipped", reason, revision=s.revision)
            self.result.series_skipped += 1
            self._suppressed("skipped")
            return
        rv = self._review(s)
        if rv.apply_error:
            self.store.set_series(s.key, "apply-failed", rv.apply_error, revision=s.revision,
                                  base=rv.base.commit)  # fmt: skip
            self.result.apply_failed += 1
            self._suppressed("apply_failed")
            return
        self._reply_auto(s, rv)
        self.store.set_series(s.key, "reviewed", f"{_count(rv)} finding(s)", revision=s.revision,
                              base=rv.base.commit, head=rv.head)  # fmt: skip
        self.result.series_reviewed += 1

    def _findings(self, rv: MailReview) -> list[Finding]:
        found = list(rv.report.findings) if rv.report else []
        return [f for f in found if self._keep(f)]

    def _placement(
        self, s: MailSeries, f: Finding, rv: MailReview | None = None
    ) -> tuple[MailMessage | None, list[str]]:
        """The message a finding answers and the quote for it.

        A quote taken from another message than the one answered (series findings on the
        cover letter, inherited patches of a partial reroll) is introduced by its subject.
        """
        ordered = list(s.all_patches.items())
        head = s.head_message
        idx = f.patch_index
        src: MailMessage | None = None
        quote: list[str] = []
        if idx is not None and 1 <= idx <= len(ordered):
            counter, src = ordered[idx - 1]
            # the patch's own numbering first; else by content (head numbering)
            quote = compose.quote_for(f, src.body) or compose.quote_for(
                f, src.body, _folded_line(rv, f)
            )
            answer = src if counter in s.patches else head
        else:
            answer = head
            text = _folded_line(rv, f)
            for _, msg in reversed(ordered):
                quote = compose.quote_for(f, msg.body, text)
                if quote:
                    src = msg
                    break
        return answer, self._introduce(answer, src, quote)

    @staticmethod
    def _introduce(answer: MailMessage | None, src: MailMessage | None,
                   quote: list[str]) -> list[str]:  # fmt: skip
        if not quote or src is None or answer is None or src.msgid == answer.msgid:
            return quote
        return [*compose.wrap(f"In {src.subject}:"), *quote]

    def _base_note(self, s: MailSeries, rv: MailReview) -> str:
        return (f"Applied with git am -3 onto {rv.base.commit[:12]} ({rv.base.how}); "
                f"reviewed {s.label}.")  # fmt: skip

    def _reply_auto(self, s: MailSeries, rv: MailReview) -> None:
        groups: dict[str, tuple[MailMessage, list[list[str]], list[str]]] = {}
        inherited_ids = {m.msgid for c, m in s.inherited.items() if c not in s.patches}
        kept = self._findings(rv)
        repeated: set[str] = set()  # answers whose every finding was reported before
        for f in kept:
            fp = finding_fingerprint(f)
            answer, quote = self._placement(s, f, rv)
            if answer is None:
                continue
            if self.store.reported_anywhere(
                fp, [answer.msgid, *inherited_ids]
            ) or self.store.reported_in_series(s.key, fp):
                if answer.msgid not in groups:
                    repeated.add(answer.msgid)
                continue
            repeated.discard(answer.msgid)
            g = groups.setdefault(answer.msgid, (answer, [], []))
            if fp in g[2]:
                continue
            g[1].append(compose.finding_block(f, self._why(f.rule), quote))
            g[2].append(fp)
        self._suppressed("already_sent", len(repeated))
        # "no problem found" only when nothing is left to report, not when it was said before
        if not kept and self.s.reply_on_clean and s.head_message is not None:
            head = s.head_message
            groups[head.msgid] = (
                head,
                [compose.wrap("No migration compatibility problem found in this series.")],
                [],
            )
        elif not kept:
            total = len(rv.report.findings) if rv.report else 0
            self._suppressed("below_severity" if total else "clean")
        if not groups:
            return
        order = {
            m.msgid: i
            for i, m in enumerate([*([s.cover] if s.cover else []), *s.all_patches.values()])
        }
        groups = dict(sorted(groups.items(), key=lambda kv: order.get(kv[0], -1)))
        notes: list[str] = []
        if s.missing:
            within = (f" within {int(self.s.wait_complete // 60)} minutes"
                      if self.s.wait_complete >= 60 else "")  # fmt: skip
            notes.append(f"Note: {_missing_text(s)} did not arrive{within}; this review "
                         "covers the patches that did.")  # fmt: skip
        head_id = s.head_message.msgid if s.head_message else ""
        note_target = head_id if head_id in groups else next(iter(groups))
        for mid, (answer, blocks, fps) in groups.items():
            if address_of(answer.author) in {address_of(a) for a in self.s.opt_out}:
                self.result.notes.append(f"{s.label}: author opted out; no reply")
                self._suppressed("opt_out")
                continue
            body = compose.body_for(answer, blocks, base_note=self._base_note(s, rv),
                                    notes=notes if mid == note_target else ())  # fmt: skip
            self._queue(answer, body, s.key, fps)

    def _queue(self, answer: MailMessage, body: str, series_key: str, fps: Sequence[str],
               to: str | None = None) -> None:  # fmt: skip
        reply_id = f"migcheck-{int(self.clock())}-{secrets.token_hex(6)}@{self.s.msgid_domain}"
        msg = compose.build_reply(answer, body, self.s, msgid=reply_id, now=self.clock(),
                                  fingerprints=fps, to=to)  # fmt: skip
        to_list, cc_list = compose.recipients(answer, self.s, to=to)
        rcpts = [address_of(a) for a in (*to_list, *cc_list)]
        if not rcpts:
            self._suppressed("no_recipient")
            return
        self.store.record_reply(reply_id, answer.msgid, series_key, rcpts, msg.as_bytes(), fps)
        self._queued.add(reply_id)
        self.result.replies_queued += 1
        if self.after_queue is not None:
            self.after_queue(reply_id)

    # commands ---------------------------------------------------------------------------
    def _allowed(self, sender: str) -> bool:
        allowed = {address_of(a) for a in self.s.allowed_senders}
        if sender in allowed:
            return True
        if self.s.use_maintainers and self.s.repo:
            if self._maintainers is None:
                self._maintainers = maintainers_from_repo(self.s.repo, self.s.target_branch)
            return sender in self._maintainers
        return False

    def handle_command(self, c: MailMessage, series: Sequence[MailSeries]) -> None:
        """Answer a /check-migration reply from an allowed sender (always, clean or not)."""
        cmd = find_command(c.body)
        if cmd is None or c.author_addr == address_of(self.s.from_address):
            self.store.set_command(c.msgid, "ignored", "no command")
            return
        if not self._allowed(c.author_addr):
            self.store.set_command(c.msgid, "refused", f"{c.author_addr} is not allowed")
            self._suppressed("not_allowed")
            self.result.notes.append(f"/check-migration from {c.author_addr} ignored: not an "
                                     "allowed sender")  # fmt: skip
            return
        self.result.commands += 1
        target = None
        for s in series:
            ids = s.msgids() | {s.key}
            if c.in_reply_to in ids or (c.in_reply_to == "" and set(c.references) & ids):
                target = s
                break
        if target is None:
            body = compose.body_for(
                c,
                [
                    compose.wrap(
                        "/check-migration: I could not find a patch series this message "
                        "replies to. Send the command as a reply to a patch or to the cover letter."
                    )
                ],
            )
            self._queue(c, body, "", [], to=c.author)
            self.store.set_command(c.msgid, "answered", "no series")
            return
        self._command_review(c, cmd, target)

    def _command_review(self, c: MailMessage, cmd: Command, s: MailSeries) -> None:
        intro = f"/check-migration requested by {c.author or c.author_addr} for {s.label}."
        reason = skip_reason(list(s.all_patches.values()), self.s.scan_prefixes)
        fps: list[str] = []
        blocks: list[list[str]] = []
        notes: list[str] = []
        base_note = ""
        if cmd.unknown:
            notes.append("Ignored unknown option(s): " + " ".join(cmd.unknown))
        if s.missing:
            notes.append(f"Note: {_missing_text(s)} did not arrive; reviewed the others.")
        if reason:
            blocks.append(compose.wrap(f"Nothing to check: {reason}."))
        else:
            try:
                rv = self._review(s, build=cmd.build)
            except BotError as exc:
                rv = None
                blocks.append(compose.wrap(f"The review failed: {exc.what}"))
            if rv is not None and rv.apply_error:
                blocks.append(compose.wrap(
                    f"The series does not apply onto {rv.base.commit[:12]} ({rv.base.how}) "
                    "with git am -3:"))  # fmt: skip
                blocks.append(["    " + ln.strip() for ln in rv.apply_error.splitlines()[:6]])
                blocks.append(compose.wrap(
                    "Please rebase it, or name its base with a base-commit: or Based-on: "
                    "trailer."))  # fmt: skip
            elif rv is not None:
                base_note = self._base_note(s, rv)
                for f in self._findings(rv):
                    target, quote = self._placement(s, f, rv)
                    if target is not None and quote and not quote[0].startswith("In "):
                        quote = [*compose.wrap(f"In {target.subject}:"), *quote]
                    fp = finding_fingerprint(f)
                    if fp in fps:
                        continue
                    fps.append(fp)
                    blocks.append(compose.finding_block(f, self._why(f.rule), quote))
                if not fps:
                    what = "the source review and the build" if cmd.build else "the review"
                    blocks.append(
                        compose.wrap(f"No migration compatibility problem found by {what}.")
                    )
                st = self.store.series_status(s.key)
                if st is None or st[0] not in FINAL:
                    self.store.set_series(s.key, "reviewed", "on /check-migration",
                                          revision=s.revision, base=rv.base.commit,
                                          head=rv.head)  # fmt: skip
        body = compose.body_for(c, blocks, intro=intro, base_note=base_note, notes=notes)
        self._queue(c, body, s.key, fps, to=c.author)
        self.store.set_command(c.msgid, "answered", f"{len(fps)} finding(s)")

    # delivery ---------------------------------------------------------------------------
    def deliver_pending(self) -> int:
        """Send (or write to the outbox) what is queued, within the hourly rate limit.

        A transport error propagates (the reply stays queued for the next poll) after being
        counted as send_failed; a reply held by the rate limit is counted once, by the pass
        that queued it, so a reply waiting for an hour is not counted at every poll.
        """
        sender = address_of(self.s.from_address)
        n = 0
        pending = self.store.pending_replies()
        for i, r in enumerate(pending):
            limit = self.s.rate_limit_per_hour
            if limit and self.store.sent_since(self.clock() - 3600) >= limit:
                self.result.notes.append("hourly rate limit reached; replies stay queued")
                held = sum(1 for p in pending[i:] if p.reply_msgid in self._queued)
                self._suppressed("rate_limit", held)
                break
            try:
                status = self.transport.deliver(r.raw, sender, r.recipients, r.reply_msgid)
            except Exception:
                self._suppressed("send_failed")
                raise
            if self.metrics is not None:
                if status == "sent":
                    self.metrics.mail_sent()
                else:  # the outbox (dry run) or a printing transport: nobody got it
                    self.metrics.mail_suppressed("dry_run")
            self.store.mark_sent(r.reply_msgid, status)
            n += 1
            self.result.replies_delivered += 1
            if self.after_delivery is not None:
                self.after_delivery(r.reply_msgid)
        return n

    def poll(self) -> PollResult:
        """One pass: deliver leftovers, ingest, review, answer commands, deliver."""
        self.deliver_pending()
        limit = self.s.max_messages_per_poll
        for inbox in self.s.inboxes:
            self.ingest_inbox(inbox, limit)
        for folder in self.s.maildirs:
            from bot.sources.mail import read_messages

            if Path(folder).is_dir() and any(Path(folder).rglob("*")):
                try:
                    self.ingest_messages(read_messages(folder))
                except BotError as exc:
                    self.result.notes.append(exc.what)
        self.process()
        self.deliver_pending()
        return self.result


def _folded_line(rv: MailReview | None, f: Finding) -> str | None:
    """The finding's line as it reads at the series head (old side: at the base)."""
    if rv is None or rv.report is None or f.line < 1:
        return None
    for fc in rv.report.series.folded:
        if f.path in (fc.new_path, fc.old_path):
            data = fc.old if f.side == "old" else fc.new
            if data is None:
                return None
            lines = data.decode("utf-8", errors="replace").splitlines()
            return lines[f.line - 1] if f.line <= len(lines) else None
    return None


def _count(rv: MailReview) -> int:
    return len(rv.report.findings) if rv.report else 0


def _counters(s: MailSeries) -> str:
    return ", ".join(f"{i}/{s.total}" for i in s.missing)


def _missing_text(s: MailSeries) -> str:
    miss = s.missing
    word = "patch" if len(miss) == 1 else "patches"
    return f"{word} {_counters(s)}"


def poll_once(
    cfg: Any,
    store: MailStore | None = None,
    *,
    transport: Transport | None = None,
    clock: Callable[[], float] = time.time,
    metrics: Metrics | None = None,
) -> PollResult:
    """One poll of the configured inboxes (config: bot.config.Config or MailSettings).

    metrics: count replies sent/suppressed on it (migcheck_mail_total); None counts nothing.
    """
    settings = cfg if isinstance(cfg, MailSettings) else mail_settings(cfg)
    own = store is None
    st = store or MailStore(settings.store or "mail.sqlite3", clock=clock)
    try:
        return MailBot(settings, st, transport=transport, clock=clock, metrics=metrics).poll()
    finally:
        if own:
            st.close()


__all__ = ["MailBot", "PollResult", "Severity", "poll_forever", "poll_once"]


def poll_forever(
    cfg: Any,
    stop: Any,
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
    if not settings.enabled:
        return
    store = MailStore(settings.store or "mail.sqlite3")
    try:
        while not stop.is_set():
            try:
                r = poll_once(settings, store, metrics=metrics)
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
