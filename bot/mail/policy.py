"""Reply policy of the mail bot: when a series is ready, what a reply says, which message it
answers, and when the bot stays silent. Pure: the series, its review, what was reported
before and the settings go in; reply drafts and the reasons for silence come out
(bot.mail.delivery records and sends the drafts, bot.mail.poller keeps the state).

Silence reasons are the names of bot.service.metrics.MAIL_SUPPRESS_REASONS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engine.spec import Rule
from bot.findings import Finding
from bot.mail import compose
from bot.mail.assemble import MailSeries
from bot.mail.commands import Command
from bot.mail.config import MailSettings
from bot.mail.review import MailReview
from bot.report import Report, reaches
from bot.reporters.common import doc_sections, finding_fingerprint, one_paragraph
from bot.sources.mail import MailMessage, address_of

# Series statuses after which the automatic pass never looks at a series again.
FINAL = ("reviewed", "skipped", "obsolete", "apply-failed", "error")


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """One reply to send: the message it answers, its body and the findings it carries."""

    answer: MailMessage
    body: str
    fingerprints: tuple[str, ...] = ()
    to: str | None = None  # default: the answered message's author


@dataclass(frozen=True, slots=True)
class Readiness:
    """What to do with a series now: its next status (`review`: review it) and why."""

    status: str  # "" (final already: leave it), obsolete, pending, skipped, review
    reason: str = ""
    silence: str = ""  # why no reply will come of it (a MAIL_SUPPRESS_REASONS name)


@dataclass(frozen=True, slots=True)
class Prior:
    """Fingerprints reported before: per answered message, and anywhere in the series."""

    on_message: Mapping[str, frozenset[str]]
    in_series: frozenset[str]

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
) -> Readiness:
    """Whether a series is reviewed now, waits for more patches, or is set aside.

    `status` is the stored (status, reason, first seen); `newer_arrived`: a newer revision
    of the series is among the stored messages.
    """
    if status and status[0] in FINAL:
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


def placement(
    s: MailSeries, f: Finding, report: Report | None = None
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
            f, src.body, folded_line(report, f)
        )
        answer = src if counter in s.patches else head
    else:
        answer = head
        text = folded_line(report, f)
        for _, msg in reversed(ordered):
            quote = compose.quote_for(f, msg.body, text)
            if quote:
                src = msg
                break
    return answer, _introduce(answer, src, quote)


def _introduce(
    answer: MailMessage | None, src: MailMessage | None, quote: list[str]
) -> list[str]:
    if not quote or src is None or answer is None or src.msgid == answer.msgid:
        return quote
    return [*compose.wrap(f"In {src.subject}:"), *quote]


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
    groups: dict[str, tuple[MailMessage, list[list[str]], list[str]]] = {}
    inherited_ids = [m.msgid for c, m in s.inherited.items() if c not in s.patches]
    kept = kept_findings(rv.report, settings)
    silences: list[str] = []
    repeated: set[str] = set()  # answers whose every finding was reported before
    for f in kept:
        fp = finding_fingerprint(f)
        answer, quote = placement(s, f, rv.report)
        if answer is None:
            continue
        if prior.reported(fp, [answer.msgid, *inherited_ids]):
            if answer.msgid not in groups:
                repeated.add(answer.msgid)
            continue
        repeated.discard(answer.msgid)
        g = groups.setdefault(answer.msgid, (answer, [], []))
        if fp in g[2]:
            continue
        g[1].append(compose.finding_block(f, why.get(f.rule, ""), quote))
        g[2].append(fp)
    silences += ["already_sent"] * len(repeated)
    # "no problem found" only when nothing is left to report, not when it was said before
    if not kept and settings.reply_on_clean and s.head_message is not None:
        head = s.head_message
        groups[head.msgid] = (
            head,
            [compose.wrap("No migration compatibility problem found in this series.")],
            [],
        )
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
    for mid, (answer, blocks, fps) in ordered:
        if address_of(answer.author) in opted_out:
            log.append(f"{s.label}: author opted out; no reply")
            silences.append("opt_out")
            continue
        body = compose.body_for(answer, blocks, base_note=base_note(s, rv),
                                notes=notes if mid == note_target else ())  # fmt: skip
        drafts.append(ReplyDraft(answer, body, tuple(fps)))
    return AutoReplies(tuple(drafts), tuple(silences), tuple(log))


def no_series_reply(c: MailMessage) -> ReplyDraft:
    """The answer to a command that replies to no known series."""
    body = compose.body_for(
        c,
        [
            compose.wrap(
                "/check-migration: I could not find a patch series this message "
                "replies to. Send the command as a reply to a patch or to the cover letter."
            )
        ],
    )
    return ReplyDraft(c, body, (), c.author)


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
    intro = f"/check-migration requested by {c.author or c.author_addr} for {s.label}."
    fps: list[str] = []
    blocks: list[list[str]] = []
    notes: list[str] = []
    note = ""
    if cmd.unknown:
        notes.append("Ignored unknown option(s): " + " ".join(cmd.unknown))
    if s.missing:
        notes.append(f"Note: {missing_text(s)} did not arrive; reviewed the others.")
    if skip:
        blocks.append(compose.wrap(f"Nothing to check: {skip}."))
    elif error:
        blocks.append(compose.wrap(f"The review failed: {error}"))
    elif rv is not None and rv.apply_error:
        blocks.append(compose.wrap(
            f"The series does not apply onto {rv.base.commit[:12]} ({rv.base.how}) "
            "with git am -3:"))  # fmt: skip
        blocks.append(["    " + ln.strip() for ln in rv.apply_error.splitlines()[:6]])
        blocks.append(compose.wrap(
            "Please rebase it, or name its base with a base-commit: or Based-on: "
            "trailer."))  # fmt: skip
    elif rv is not None:
        note = base_note(s, rv)
        for f in kept_findings(rv.report, settings):
            target, quote = placement(s, f, rv.report)
            if target is not None and quote and not quote[0].startswith("In "):
                quote = [*compose.wrap(f"In {target.subject}:"), *quote]
            fp = finding_fingerprint(f)
            if fp in fps:
                continue
            fps.append(fp)
            blocks.append(compose.finding_block(f, why.get(f.rule, ""), quote))
        if not fps:
            what = "the source review and the build" if cmd.build else "the review"
            blocks.append(compose.wrap(f"No migration compatibility problem found by {what}."))
    body = compose.body_for(c, blocks, intro=intro, base_note=note, notes=notes)
    return ReplyDraft(c, body, tuple(fps), c.author)
