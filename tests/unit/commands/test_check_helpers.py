"""Pure helpers of `migcheck check`: exit codes and merging artifact findings."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reporters"))

from reportfix import finding, report

from bot.commands.check import exit_code, merge_findings
from bot.findings import Evidence, Severity


def test_exit_code_thresholds() -> None:
    note = report(finding(severity=Severity.NOTE))
    warn = report(finding(severity=Severity.WARNING))
    err = report(finding(severity=Severity.ERROR))
    assert [exit_code(r, "error") for r in (note, warn, err)] == [0, 0, 1]
    assert [exit_code(r, "warning") for r in (note, warn, err)] == [0, 1, 1]
    assert [exit_code(r, "never") for r in (note, warn, err)] == [0, 0, 0]
    assert exit_code(report(), "warning") == 0


def test_merge_findings_adds_evidence_or_appends() -> None:
    src = finding()
    same = dataclasses.replace(src, evidence=(Evidence.DUMP,), message="from the dump")
    other = finding(rule="MIG003", message="another problem", entity="vmstate_foo.fields[1]")
    other = dataclasses.replace(other, evidence=(Evidence.DUMP,))
    merged = merge_findings(report(src), [same, other])
    assert len(merged.findings) == 2
    assert merged.findings[0].evidence == (Evidence.SOURCE, Evidence.DUMP)
    assert merged.findings[0].message == src.message
    assert merged.findings[1] is other
    assert merge_findings(report(src), []).findings == (src,)
