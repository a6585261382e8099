"""A finding seen by several layers: one line per layer in text, mail and GitLab, structured
data in JSON and SARIF; the finding's own message is never extended."""

from __future__ import annotations

import dataclasses
import json

from reportfix import finding, report
from sarifcheck import validate_sarif

from bot.findings import Evidence, EvidenceDetail, Finding
from bot.mail import compose
from bot.reporters import json_out, sarif, text
from bot.reporters.gitlab import Placed, inline_body, summary_body

SOURCE = EvidenceDetail(Evidence.SOURCE, "MIG902 sample-rule at hw/misc/foo.c:27 (old side)")
DUMP = EvidenceDetail(Evidence.DUMP, 'Section "foo-pci" Description "foo": field "scratch" '
                      "(4 bytes) removed", ("pc-i440fx-10.2", "pc-q35-10.2"), "both",
                      "builtin+upstream")  # fmt: skip
MIGRATION = EvidenceDetail(Evidence.MIGRATION, "Missing section footer for foo-pci",
                           ("pc-q35-10.2",), "old->new")  # fmt: skip
LINES = [
    "source: MIG902 sample-rule at hw/misc/foo.c:27 (old side)",
    'dump (builtin+upstream; pc-i440fx-10.2, pc-q35-10.2; both directions): Section "foo-pci" '
    'Description "foo": field "scratch" (4 bytes) removed',
    "migration (pc-q35-10.2; old->new): the destination said: Missing section footer for "
    "foo-pci",
]


def _seen_three_ways() -> Finding:
    return dataclasses.replace(
        finding(), evidence=(Evidence.SOURCE, Evidence.DUMP, Evidence.MIGRATION),
        evidence_detail=(SOURCE, DUMP, MIGRATION))  # fmt: skip


def test_text_has_one_line_per_layer() -> None:
    out = text.render(report(_seen_three_ways()))
    for line in LINES:
        assert f"      seen by {line}\n" in out
    assert out.count("field 'scratch' removed from vmsd 'foo'") == 1


def test_json_and_sarif_carry_the_layers_as_data() -> None:
    f = _seen_three_ways()
    doc = json.loads(json_out.render(report(f)))
    (got,) = doc["findings"]
    assert got["message"] == "field 'scratch' removed from vmsd 'foo'"
    assert got["evidence"] == ["source", "dump", "migration"]
    assert got["evidence_detail"][1] == {
        "layer": "dump", "text": DUMP.text, "machines": ["pc-i440fx-10.2", "pc-q35-10.2"],
        "direction": "both", "checker": "builtin+upstream"}  # fmt: skip
    assert got["evidence_detail"][2]["text"] == "Missing section footer for foo-pci"
    log = sarif.to_sarif(report(f))
    validate_sarif(log)
    props = log["runs"][0]["results"][0]["properties"]  # type: ignore[index]
    assert props["evidenceDetail"] == got["evidence_detail"]
    plain = json.loads(json_out.render(report(finding())))["findings"][0]
    assert "evidence_detail" not in plain  # source-only findings keep the old contract


def test_mail_block_lists_each_layer_on_its_own_line() -> None:
    block = compose.finding_block(_seen_three_ways(), "", [])
    joined = "\n".join(block)
    assert "Seen by:" in block
    starts = [ln for ln in block if ln.startswith("- ")]
    assert [s.split(" ", 2)[1] for s in starts] == ["source:", "dump", "migration"]
    assert all(len(ln) <= 72 for ln in block), block
    assert " ".join(joined.split()).count("the destination said: Missing section footer") == 1


def test_gitlab_inline_and_summary_show_each_layer() -> None:
    f = _seen_three_ways()
    from bot.reporters import gitlab_md

    body = inline_body(f)
    for line in LINES:  # escaped for GitLab Markdown: evidence quotes what a build printed
        assert f"- {gitlab_md.text(line, one_line=True)}\n" in body
    note = summary_body(report(f), [Placed(f)], verdict_value="fail")
    row = next(ln for ln in note.splitlines() if "MIG902" in ln)
    assert row.count("<br>") == 3 and gitlab_md.text(LINES[2], one_line=True) in row
