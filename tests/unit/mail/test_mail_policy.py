"""The mail bot's reply policy, pure: readiness of a series, what the automatic pass says
and to whom, what it leaves unsaid, and the answer to a command."""

from __future__ import annotations

import dataclasses

from mailfix import DATE0, make_mail, series_mails

from bot.findings import Category, Finding, Severity
from bot.mail import policy
from bot.mail.assemble import MailSeries, assemble
from bot.mail.commands import Command
from bot.mail.config import MailSettings
from bot.mail.review import BaseChoice, MailReview
from bot.report import Report
from bot.reporters.common import finding_fingerprint
from bot.series import Series
from bot.sources.mail import parse_mail

SETTINGS = MailSettings(wait_complete=600.0, reply_on_clean=False, min_severity="warning")
NONE = policy.Prior({}, frozenset())


def _series(**kw: object) -> MailSeries:
    (s,) = assemble([parse_mail(r) for r in series_mails("s", **kw)])  # type: ignore[arg-type]
    return s


def _finding(patch: int, severity: Severity = Severity.ERROR, rule: str = "MIG002") -> Finding:
    return Finding(rule=rule, name="vmstate-field-removed", severity=severity,
                   category=Category.FIELD_REMOVED, confidence="high",
                   message=f"field removed in patch {patch}", fix_hint="keep it",
                   path="hw/misc/foo.c", line=0, side="new",
                   entity=f"vmstate_foo.fields[{patch}]", patch_index=patch)  # fmt: skip


def _review(*findings: Finding) -> MailReview:
    report = Report(Series("b" * 40, "h" * 40, (), ()), tuple(findings))
    return MailReview(BaseChoice("b" * 40, "master at the series' date"), report, "h" * 40, "")


def test_readiness_waits_then_reviews_and_leaves_final_series_alone() -> None:
    s = _series(only=(1, 3))
    now = float(DATE0)
    assert policy.readiness(s, None, now, SETTINGS, newer_arrived=False) == policy.Readiness(
        "pending", "waiting for 2/3"
    )
    waited = ("pending", "", now - 601)
    assert policy.readiness(s, waited, now, SETTINGS, newer_arrived=False).status == "review"
    assert policy.readiness(s, None, now, SETTINGS, newer_arrived=False,
                            force_complete=True).status == "review"  # fmt: skip
    assert policy.readiness(s, ("reviewed", "", 0.0), now, SETTINGS,
                            newer_arrived=False).status == ""  # fmt: skip
    obsolete = dataclasses.replace(s, obsoleted_by="v2@x")
    ready = policy.readiness(obsolete, None, now, SETTINGS, newer_arrived=True)
    assert (ready.status, ready.silence) == ("obsolete", "obsolete")
    cover_only = _series(only=(99,))
    first = policy.readiness(cover_only, None, now, SETTINGS, newer_arrived=False)
    assert first.status == "pending"
    late = policy.readiness(cover_only, ("pending", "", now - 601), now, SETTINGS,
                            newer_arrived=False)  # fmt: skip
    assert (late.status, late.silence) == ("skipped", "skipped")


def test_auto_replies_answer_each_patch_once_and_skip_what_was_reported() -> None:
    s = _series()
    rv = _review(_finding(1), _finding(3), _finding(3, rule="MIG003"), _finding(2, Severity.NOTE))
    out = policy.auto_replies(s, rv, SETTINGS, NONE, {"MIG002": "the stream shifts"})
    assert [d.answer.msgid for d in out.drafts] == ["s.1@example.org", "s.3@example.org"]
    assert [len(d.fingerprints) for d in out.drafts] == [1, 2]
    assert "Why this breaks migration: the stream shifts" in out.drafts[0].body
    assert "patch 2" not in "".join(d.body for d in out.drafts)  # a note is below warning
    assert out.silences == ()
    fp1 = finding_fingerprint(_finding(1))
    prior = policy.Prior({"s.1@example.org": frozenset({fp1})}, frozenset())
    again = policy.auto_replies(s, rv, SETTINGS, prior, {})
    assert [d.answer.msgid for d in again.drafts] == ["s.3@example.org"]
    assert again.silences == ("already_sent",)
    assert rv.report is not None
    everything = frozenset(finding_fingerprint(f) for f in rv.report.findings)
    done = policy.auto_replies(s, rv, SETTINGS, policy.Prior({}, everything), {})
    assert done.drafts == () and done.silences == ("already_sent", "already_sent")


def test_auto_replies_stay_silent_and_say_why() -> None:
    s = _series()
    assert policy.auto_replies(s, _review(), SETTINGS, NONE, {}).silences == ("clean",)
    notes_only = _review(_finding(1, Severity.NOTE))
    assert policy.auto_replies(s, notes_only, SETTINGS, NONE, {}).silences == ("below_severity",)
    opted = dataclasses.replace(SETTINGS, opt_out=("ada@example.org",))
    out = policy.auto_replies(s, _review(_finding(1)), opted, NONE, {})
    assert out.drafts == () and out.silences == ("opt_out",) and "opted out" in out.notes[0]
    clean = dataclasses.replace(SETTINGS, reply_on_clean=True)
    (draft,) = policy.auto_replies(s, _review(), clean, NONE, {}).drafts
    assert draft.answer.msgid == "s.0@example.org" and "No migration" in draft.body


def test_command_reply_always_answers_the_sender() -> None:
    s = _series()
    c = parse_mail(make_mail("Re: [PATCH 0/3] sample series", "/check-migration\n",
                             msgid="c@x", author="Mo <mo@example.org>",
                             in_reply_to="s.0@example.org"))  # fmt: skip
    cmd = Command()
    found = policy.command_reply(c, cmd, s, SETTINGS, {}, rv=_review(_finding(2)))
    assert found.to == "Mo <mo@example.org>" and len(found.fingerprints) == 1
    assert not found.private
    clean = policy.command_reply(c, cmd, s, SETTINGS, {}, rv=_review())
    assert clean.fingerprints == () and "No migration compatibility problem" in clean.body
    failed = policy.command_reply(c, cmd, s, SETTINGS, {}, error="no base")
    assert "The review failed: no base" in failed.body
    skipped = policy.command_reply(c, cmd, s, SETTINGS, {}, skip="docs only")
    assert "Nothing to check: docs only." in skipped.body
    applied = dataclasses.replace(_review(), apply_error="patch 2 does not apply")
    assert "does not apply onto" in policy.command_reply(c, cmd, s, SETTINGS, {}, rv=applied).body
