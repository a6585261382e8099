"""Reply policy of the mail bot: when a series is ready, what a reply says, which message it
answers, and when the bot stays silent. Pure: the series, its review, what was reported
before and the settings go in; reply drafts and the reasons for silence come out
(bot.mail.delivery records and sends the drafts, bot.mail.poller keeps the state).

Silence reasons are the names of bot.service.metrics.MAIL_SUPPRESS_REASONS.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.engine.spec import Rule
from bot.findings import Finding
from bot.mail import compose
from bot.mail.assemble import MailSeries
from bot.mail.commands import USAGE, Command
from bot.mail.config import MailSettings
from bot.mail.review import MailReview
from bot.redact import cap
from bot.report import Report, reaches
from bot.reporters.common import doc_sections, finding_fingerprint, one_paragraph
from bot.sources.mail import MailMessage, address_of

# Series statuses after which the automatic pass looks at a series again only when a patch
# it did not cover arrives (REOPEN) — list moderation delays patches routinely.
FINAL = ("reviewed", "skipped", "obsolete", "apply-failed", "error")
REOPEN = ("reviewed", "skipped", "apply-failed", "error")
# The fingerprint recorded with the one reply telling an author the series does not apply.
APPLY_FAILED = "apply-failed"
REVIEW_FAILED = "review-failed"


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """One reply to send: the message it answers, its body and the findings it carries."""

    answer: MailMessage
    body: str
    fingerprints: tuple[str, ...] = ()
    to: str | None = None  # default: the answered message's author
    private: bool = False  # to `to` only, no list and no Cc (refusals, errors of a command)


@dataclass(frozen=True, slots=True)
class Readiness:
    """What to do with a series now: its next status (`review`: review it) and why."""

    status: str  # "" (final already: leave it), obsolete, pending, skipped, review
    reason: str = ""
    silence: str = ""  # why no reply will come of it (a MAIL_SUPPRESS_REASONS name)


@dataclass(frozen=True, slots=True)
class Prior:
    """Fingerprints reported before: per answered message, anywhere in the series, and on
    an earlier version of it (fingerprint -> the Message-ID of the reply that said it)."""

    on_message: Mapping[str, frozenset[str]]
    in_series: frozenset[str]
    earlier: Mapping[str, str] = field(default_factory=dict)

    def reported(self, fp: str, msgids: Iterable[str]) -> bool:
        """Whether `fp` was reported on one of `msgids` or anywhere in the series."""
        return fp in self.in_series or any(fp in self.on_message.get(m, ()) for m in msgids)


@dataclass(frozen=True, slots=True)
class AutoReplies:
    """The automatic pass's replies to one reviewed series, and what it left unsaid."""

    drafts: tuple[ReplyDraft, ...]
    silences: tuple[str, ...] = ()  # one reason per reply not written
    notes: tuple[str, ...] = ()  # for the poll's summary


def why_by_rule(rules: Iterable[Rule]) -> dict[str, str]:
    """rule id -> the 'Why it breaks migration' paragraph of its documentation."""
    return {
        r.spec.id: one_paragraph(doc_sections(r.doc).get("Why it breaks migration", ""))
        for r in rules
    }


def readiness(
    s: MailSeries,
    status: tuple[str, str, float] | None,
    now: float,
    settings: MailSettings,
    *,
    newer_arrived: bool,
    force_complete: bool = False,
    covered: frozenset[int] | None = None,
) -> Readiness:
    """Whether a series is reviewed now, waits for more patches, or is set aside.

    `status` is the stored (status, reason, first seen); `newer_arrived`: a newer revision
    of the series is among the stored messages; `covered`: the patch counters its last
    verdict covered. A final series is reviewed again, once per patch that arrives late.
    """
    if status and status[0] in FINAL:
        late = sorted(set(s.all_patches) - covered) if covered is not None else []
        if status[0] in REOPEN and late and not (s.obsoleted_by and newer_arrived):
            shown = ", ".join(f"{c}/{s.total}" for c in late)
            return Readiness("review", f"late patch {shown} arrived")
        return Readiness("")
    if s.obsoleted_by and newer_arrived:
        return Readiness("obsolete", f"superseded by <{s.obsoleted_by}>", "obsolete")
    if not s.all_patches:
        if status is None or now - status[2] < settings.wait_complete:
            return Readiness("pending", "cover letter only so far")
        return Readiness("skipped", "no patch arrived", "skipped")
    if s.missing and not force_complete:
        first = status[2] if status else now
        if now - first < settings.wait_complete:
            return Readiness("pending", f"waiting for {counters(s)}")
    return Readiness("review")


def kept_findings(report: Report | None, settings: MailSettings) -> list[Finding]:
    """The findings worth a mail: at or above mail.min_severity."""
    found = report.findings if report is not None else ()
    return [f for f in found if reaches(f.severity, settings.min_severity)]


def folded_line(report: Report | None, f: Finding) -> str | None:
    """The finding's line as it reads at the series head (old side: at the base)."""
    if report is None or f.line < 1:
        return None
    for fc in report.series.folded:
        if f.path in (fc.new_path, fc.old_path):
            data = fc.old if f.side == "old" else fc.new
            if data is None:
                return None
            lines = data.decode("utf-8", errors="replace").splitlines()
            return lines[f.line - 1] if f.line <= len(lines) else None
    return None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a finding goes: the message answered, the hunk quoted (if any) and, when the
    quote is from another message than the answered one, that message (named above it)."""

    answer: MailMessage | None
    quote: compose.Quote | None = None
    source: MailMessage | None = None

    @property
    def key(self) -> tuple[str, str, str] | None:
        """Findings with the same key share one quote."""
        if self.quote is None:
            return None
        return (self.source.msgid if self.source else "", *self.quote.key)

    def lines(self, quote: compose.Quote | None = None) -> list[str]:
        """The quote (`quote`: the same hunk with every finding's lines), introduced by the
        subject of the message it is from when that is not the answered one."""
        q = quote or self.quote
        if q is None:
            return []
        out = q.render()
        if self.source is not None:
            out = [*compose.wrap(f"In {self.source.subject}:"), *out]
        return out


def placement(s: MailSeries, f: Finding, report: Report | None = None) -> Placement:
    """The message a finding answers and the hunk to quote for it."""
    ordered = list(s.all_patches.items())
    head = s.head_message
    idx = f.patch_index
    src: MailMessage | None = None
    quote: compose.Quote | None = None
    if idx is not None and 1 <= idx <= len(ordered):
        counter, src = ordered[idx - 1]
        # the patch's own numbering first; else by content (head numbering)
        quote = compose.hunk_for(f, src.body) or compose.hunk_for(
            f, src.body, folded_line(report, f)
        )
        answer = src if counter in s.patches else head
    else:
        answer = head
        text = folded_line(report, f)
        for _, msg in reversed(ordered):
            quote = compose.hunk_for(f, msg.body, text)
            if quote is not None:
                src = msg
                break
    shown = src if quote is not None and src is not None and answer is not None and \
        src.msgid != answer.msgid else None  # fmt: skip
    return Placement(answer, quote, shown)


@dataclass(slots=True)
class _Answer:
    """The findings for one answered message, grouped so each hunk is quoted once."""

    message: MailMessage
    hunks: dict[object, tuple[Placement, compose.Quote | None, list[Finding]]] = field(
        default_factory=dict
    )
    fps: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # short lines: reported on a version

    def add(self, where: Placement, f: Finding, fp: str) -> None:
        """Put a finding under its hunk's quote (a new group when it has none)."""
        if fp in self.fps:
            return
        self.fps.append(fp)
        key: object = where.key if where.key is not None else ("", fp)
        old = self.hunks.get(key)
        if old is None:
            self.hunks[key] = (where, where.quote, [f])
            return
        merged = old[1].with_hits(where.quote) if old[1] and where.quote else old[1]
        self.hunks[key] = (old[0], merged, [*old[2], f])

    def blocks(self, why: Mapping[str, str]) -> list[list[str]]:
        """One block per hunk: its quote, then each of its findings."""
        said: set[str] = set()  # a rule's why and fix are said once per reply
        out = [compose.hunk_block(where.lines(q), [(f, why.get(f.rule, "")) for f in found],
                                  said) for where, q, found in self.hunks.values()]  # fmt: skip
        if self.earlier:
            out.append(compose.wrap("Still present, reported on an earlier version of this "
                                    "series (not repeated here):"))  # fmt: skip
            out.append([ln for e in self.earlier
                        for ln in textwrap.wrap(e, compose.WIDTH, initial_indent="- ",
                                                subsequent_indent="  ",
                                                break_long_words=False)])  # fmt: skip
        return out


def earlier_line(f: Finding, reply_msgid: str) -> str:
    """One short line for a finding reported on an earlier version of the series."""
    return f"{f.rule} {f.name} ({f.severity.value}) at {f.path}:{f.line}: see <{reply_msgid}>"


def base_note(s: MailSeries, rv: MailReview) -> str:
    """Where the series was applied, for the reply's footer."""
    return (f"Applied {rv.applied_with or 'with git am -3'} onto {rv.base.commit[:12]} "
            f"({rv.base.how}); reviewed {s.label}.")  # fmt: skip


def counters(s: MailSeries) -> str:
    """The missing patches as `2/5, 4/5`."""
    return ", ".join(f"{i}/{s.total}" for i in s.missing)


def missing_text(s: MailSeries) -> str:
    """`patch 2/5` or `patches 2/5, 4/5`."""
    word = "patch" if len(s.missing) == 1 else "patches"
    return f"{word} {counters(s)}"


def auto_replies(
    s: MailSeries,
    rv: MailReview,
    settings: MailSettings,
    prior: Prior,
    why: Mapping[str, str],
) -> AutoReplies:
    """The replies of the automatic pass: one per answered message, only with findings not
    reported before (on that message, an inherited patch or anywhere in the series)."""
    groups: dict[str, _Answer] = {}
    inherited_ids = [m.msgid for c, m in s.inherited.items() if c not in s.patches]
    kept = kept_findings(rv.report, settings)
    silences: list[str] = []
    repeated: set[str] = set()  # answers whose every finding was reported before
    for f in kept:
        fp = finding_fingerprint(f)
        where = placement(s, f, rv.report)
        answer = where.answer
        if answer is None:
            continue
        if prior.reported(fp, [answer.msgid, *inherited_ids]):
            if answer.msgid not in groups:
                repeated.add(answer.msgid)
            continue
        repeated.discard(answer.msgid)
        g = groups.setdefault(answer.msgid, _Answer(answer))
        if fp in prior.earlier:
            if fp not in g.fps:
                g.fps.append(fp)
                g.earlier.append(earlier_line(f, prior.earlier[fp]))
            continue
        g.add(where, f, fp)
    silences += ["already_sent"] * len(repeated)
    # "no problem found" only when nothing is left to report, not when it was said before
    if not kept and settings.reply_on_clean and s.head_message is not None:
        head = s.head_message
        groups[head.msgid] = _Answer(head)
    elif not kept:
        total = len(rv.report.findings) if rv.report else 0
        silences.append("below_severity" if total else "clean")
    if not groups:
        return AutoReplies((), tuple(silences))
    order = {
        m.msgid: i
        for i, m in enumerate([*([s.cover] if s.cover else []), *s.all_patches.values()])
    }
    ordered = sorted(groups.items(), key=lambda kv: order.get(kv[0], -1))
    notes: list[str] = []
    if s.missing:
        within = (f" within {int(settings.wait_complete // 60)} minutes"
                  if settings.wait_complete >= 60 else "")  # fmt: skip
        notes.append(f"Note: {missing_text(s)} did not arrive{within}; this review "
                     "covers the patches that did.")  # fmt: skip
    head_id = s.head_message.msgid if s.head_message else ""
    note_target = head_id if head_id in groups else ordered[0][0]
    opted_out = {address_of(a) for a in settings.opt_out}
    drafts: list[ReplyDraft] = []
    log: list[str] = []
    for mid, g in ordered:
        if address_of(g.message.author) in opted_out:
            log.append(f"{s.label}: author opted out; no reply")
            silences.append("opt_out")
            continue
        blocks = g.blocks(why) or [
            compose.wrap("No migration compatibility problem found in this series.")
        ]
        body = compose.body_for(g.message, blocks, base_note=base_note(s, rv),
                                notes=notes if mid == note_target else ())  # fmt: skip
        drafts.append(ReplyDraft(g.message, body, tuple(g.fps)))
    return AutoReplies(tuple(drafts), tuple(silences), tuple(log))


def refusal(c: MailMessage, text: str) -> ReplyDraft:
    """The answer to a command that does not run: to its sender only (no list, no Cc)."""
    body = compose.body_for(c, [compose.wrap(text)])
    return ReplyDraft(c, body, (), c.author, private=True)


def no_series_reply(c: MailMessage) -> ReplyDraft:
    """The answer to a command that replies to no known series (to the sender only)."""
    return refusal(c, "Your /check-migration command: I could not find a patch series "
                      "this message replies to. Send the command as a reply to a patch, to "
                      "the cover letter, or to one of my replies about the series.")  # fmt: skip


def bad_arguments_reply(c: MailMessage, cmd: Command) -> ReplyDraft:
    """The answer to a command whose arguments cannot run (to the sender only)."""
    return refusal(c, f"Your /check-migration command did not run: {cmd.error}. "
                      f"Usage: {USAGE} (--machines implies --build).")  # fmt: skip


def apply_note(s: MailSeries, rv: MailReview) -> list[list[str]]:
    """Blocks saying which patch does not apply onto what, and how to name the base."""
    first, _, rest = rv.apply_error.partition("\n")
    first = cap(first, compose.MAX_LINE)
    lines = [cap(ln.strip(), compose.MAX_LINE) for ln in rest.splitlines()
             if ln.strip()][:6]  # fmt: skip
    out = [compose.wrap(f"{first.rstrip('.')}: it does not apply onto "
                        f"{rv.base.commit[:12]} ({rv.base.how}).")]  # fmt: skip
    if lines:
        out.append([ln for raw in lines for ln in compose.wrap(raw, "    ")])
    out.append(compose.wrap(
        "If the series was written for another base, name it: a 'base-commit: <sha>' line "
        "at the end of the cover letter (b4 send adds it; git format-patch --base=<sha> "
        "writes it), or 'Based-on: <message-id>' for a series that builds on another one "
        "posted before. Otherwise please rebase onto the current master and send a new "
        "version."))  # fmt: skip
    if s.missing:
        out.append(compose.wrap(f"Note: {missing_text(s)} did not arrive; a patch that "
                                "depends on it cannot apply. I will try again when it "
                                "arrives."))  # fmt: skip
    return out


def apply_failed_reply(s: MailSeries, rv: MailReview) -> ReplyDraft | None:
    """The one mail telling the author the series does not apply (None: nobody to tell)."""
    head = s.head_message
    if head is None:
        return None
    body = compose.body_for(head, apply_note(s, rv), base_note=f"Reviewed {s.label}.")
    return ReplyDraft(head, body, (APPLY_FAILED,))


def review_failed_reply(s: MailSeries, what: str) -> ReplyDraft | None:
    """The one mail telling the author the review of the series failed and why (to the
    author only; None: nobody to tell). `what` is redacted by the delivery."""
    head = s.head_message
    if head is None:
        return None
    text = (f"migcheck could not review {s.label}: {cap(what, 2000)}. It will not retry this "
            "version of the series; the operator has the details in the service log.")
    body = compose.body_for(head, [compose.wrap(text)])
    return ReplyDraft(head, body, (REVIEW_FAILED,), head.author, private=True)


def command_reply(
    c: MailMessage,
    cmd: Command,
    s: MailSeries,
    settings: MailSettings,
    why: Mapping[str, str],
    *,
    skip: str = "",
    rv: MailReview | None = None,
    error: str = "",
) -> ReplyDraft:
    """The answer to /check-migration on a series: always sent, clean or not.

    skip: why the series cannot matter (nothing reviewed); error: why the review failed.
    """
    what = "with a build" if cmd.build else "source review"
    if cmd.machines:
        what += " of " + ", ".join(cmd.machines)
    intro = f"Requested by {c.author or c.author_addr} ({what}) for {s.label}."
    fps: list[str] = []
    blocks: list[list[str]] = []
    notes: list[str] = []
    note = ""
    if s.missing:
        notes.append(f"Note: {missing_text(s)} did not arrive; reviewed the others.")
    if skip:
        blocks.append(compose.wrap(f"Nothing to check: {cap(skip, compose.MAX_LINE)}."))
    elif error:
        blocks.append(compose.wrap(f"The review failed: {cap(error, 2000)}"))
    elif rv is not None and rv.apply_error:
        blocks.extend(apply_note(s, rv))
    elif rv is not None:
        note = base_note(s, rv)
        g = _Answer(c)  # every quote is from another message: named by its subject
        for f in kept_findings(rv.report, settings):
            where = placement(s, f, rv.report)
            src = where.source or where.answer
            g.add(Placement(c, where.quote, src if where.quote else None), f,
                  finding_fingerprint(f))  # fmt: skip
        fps = g.fps
        blocks.extend(g.blocks(why))
        if not fps:
            what = "the source review and the build" if cmd.build else "the review"
            blocks.append(compose.wrap(f"No migration compatibility problem found by {what}."))
    body = compose.body_for(c, blocks, intro=intro, base_note=note, notes=notes)
    return ReplyDraft(c, body, tuple(fps), c.author)
