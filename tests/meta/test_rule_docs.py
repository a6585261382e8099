"""Meta tests: every rule is documented in the one format, and its "Why" reaches users.

The format is parsed by the same code the reporters use (bot.reporters.common.doc_sections);
a rule whose "Why it breaks migration" section is missing or misspelt fails here because it
would be missing from the mail reply, the SARIF fullDescription and `migcheck rules ID`.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from bot.cli import main
from bot.engine.spec import Rule
from bot.findings import Finding, fingerprint
from bot.mail import compose, policy
from bot.report import Report, Stats
from bot.reporters import sarif
from bot.reporters.common import DOC_HEADINGS, doc_sections, rule_why
from bot.series import Series
from bot.sources.mail import MailMessage
from rules import load_rules

RULES = load_rules()
IDS = [r.spec.id for r in RULES]


def _flat(text: str) -> str:
    """Whitespace-folded text (replies and terminals wrap lines)."""
    return " ".join(text.split())


def _finding(rule: Rule) -> Finding:
    s = rule.spec
    return Finding(
        rule=s.id,
        name=s.name,
        severity=s.severity,
        category=s.category,
        confidence=s.confidence,
        message="a message",
        fix_hint=s.fix_hint,
        path="hw/misc/foo.c",
        line=3,
        side="new",
        entity="vmstate_foo",
        fingerprint=fingerprint(s.id, "hw/misc/foo.c", "vmstate_foo", "a message"),
    )


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_doc_has_the_five_sections_in_order(rule: Rule) -> None:
    sections = doc_sections(rule.doc)
    first = sections[""].splitlines()[0] if sections[""] else ""
    assert first.startswith(f"{rule.spec.id} {rule.spec.name}"), (
        f"{rule.spec.id}: the docstring must start with '{rule.spec.id} {rule.spec.name}'"
    )
    headings = [h for h in sections if h]
    assert headings == list(DOC_HEADINGS), (
        f"{rule.spec.id}: headings must be exactly {list(DOC_HEADINGS)} as `*Heading*` lines, "
        f"found {headings}"
    )
    empty = [h for h in DOC_HEADINGS if not sections[h].strip()]
    assert not empty, f"{rule.spec.id}: empty sections {empty}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_doc_stands_alone(rule: Rule) -> None:
    """Users have the QEMU tree, not the developers' notes: reference QEMU docs and commits."""
    for word in ("../shared", "shared/docs", "migration-domain", "architecture.md"):
        assert word not in rule.doc, f"{rule.spec.id}: the doc refers to {word!r}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_why_reaches_mail_sarif_and_rules_command(rule: Rule) -> None:
    why = rule_why(rule)
    assert why, f"{rule.spec.id}: no 'Why it breaks migration' paragraph"
    f = _finding(rule)

    # the mail reply: the reply policy's why table, one finding block, the whole body
    table = policy.why_by_rule(RULES)
    block = compose.finding_block(f, table.get(rule.spec.id, ""), [])
    answer = MailMessage(
        "m@x", "[PATCH] x", "A <a@x>", "a@x", (), (), "", (), 0.0, "", b"", False
    )
    body = compose.body_for(answer, [block])
    assert _flat(why) in _flat(body), f"{rule.spec.id}: Why missing from the mail reply"

    # SARIF: the rule descriptor's fullDescription
    report = Report(series=Series("0" * 40, "1" * 40, (), ()), findings=(f,), stats=Stats())
    doc = json.loads(sarif.render(report, RULES))
    (rd,) = [d for d in doc["runs"][0]["tool"]["driver"]["rules"] if d["id"] == rule.spec.id]
    assert _flat(why) in _flat(rd["fullDescription"]["text"]), (
        f"{rule.spec.id}: Why missing from the SARIF fullDescription"
    )

    # `migcheck rules ID`
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["rules", rule.spec.id]) == 0
    assert _flat(why) in _flat(out.getvalue()), f"{rule.spec.id}: Why missing from `rules`"
