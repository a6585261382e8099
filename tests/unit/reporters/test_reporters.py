"""Reporters translate a Report; these tests pin their formats."""

from __future__ import annotations

import json

from reportfix import RULES, finding, report
from sarifcheck import validate_sarif

from bot.findings import Severity
from bot.reporters import codequality, json_out, sarif, text

# ---- text ---------------------------------------------------------------------------------


def test_text_grouped_by_patch_with_hint_and_draft() -> None:
    r = report(
        finding(patch_index=2, line=40, side="new", severity=Severity.WARNING, message="w"),
        finding(patch_index=1),
        finding(patch_index=None, path="hw/core/machine.c", line=12, severity=Severity.NOTE,
                message="series note", fix_draft=None, side="new"),
    )  # fmt: skip
    out = text.render(r)
    lines = out.splitlines()
    h1 = lines.index(f"[1/2] hw/misc/foo: change 1 ({'1' * 12})")
    h2 = lines.index(f"[2/2] hw/misc/foo: change 2 ({'2' * 12})")
    hs = lines.index(f"[series] {'b' * 12}..{'2' * 12}")
    assert h1 < h2 < hs
    assert lines[h1 + 1] == (
        "  hw/misc/foo.c:27: MIG902 [sample-rule] error: field 'scratch' removed from vmsd "
        "'foo' (line of the old file)"
    )
    assert lines[h1 + 2] == "      hint: replace it with VMSTATE_UNUSED(4)"
    assert lines[h1 + 3] == "      fix draft:"
    assert lines[h1 + 4] == "        VMSTATE_UNUSED(4),"
    assert "  hw/misc/foo.c:40: MIG902 [sample-rule] warning: w" in lines
    assert "  hw/core/machine.c:12: MIG902 [sample-rule] note: series note" in lines
    assert lines[-1] == (
        "3 findings (1 error, 1 warning, 1 note) in 2 patches (3 files parsed, 0.12 s)"
    )
    assert out.endswith("\n")


def test_text_clean() -> None:
    out = text.render(report(n=3))
    assert out == "no migration impact found in 3 patches (3 files parsed, 0.12 s)\n"
    assert text.render(report(n=1)).startswith("no migration impact found in 1 patch (")


def test_text_rule_errors_are_internal_lines() -> None:
    out = text.render(report(rule_errors=("MIG003: KeyError('x')",)))
    assert "internal: 1 rule error" in out and "MIG003: KeyError('x')" in out


def test_text_finding_with_out_of_range_patch_goes_to_series_group() -> None:
    out = text.render(report(finding(patch_index=9)))
    assert "[series]" in out


# ---- json ---------------------------------------------------------------------------------


def test_json_contract_and_key_order() -> None:
    r = report(finding(), finding(patch_index=2, line=3, message="other"))
    out = json_out.render(r)
    doc = json.loads(out)
    assert list(doc) == ["version", "base", "head", "series", "findings", "stats"]
    assert doc["version"] == 1
    assert doc["series"][0] == {"index": 1, "commit": "1" * 40, "subject": "hw/misc/foo: change 1"}
    f = doc["findings"][0]
    assert list(f) == [
        "rule", "name", "severity", "category", "confidence", "message", "fix_hint",
        "fix_draft", "doc_url", "path", "line", "side", "patch_index", "commit", "entity",
        "evidence", "fingerprint", "extra",
    ]  # fmt: skip
    assert f["extra"] == {}
    assert f["severity"] == "error" and f["category"] == "field-removed"
    assert f["evidence"] == ["source"]
    assert doc["stats"]["files_parsed"] == 3 and doc["stats"]["seconds"] == 0.1234
    assert out.startswith('{\n  "version": 1,') and out.endswith("}\n")
    assert json_out.render(r) == out  # stable


def test_json_keeps_non_ascii() -> None:
    out = json_out.render(report(finding(message="café → ok")))
    assert "café → ok" in out


# ---- sarif --------------------------------------------------------------------------------


def test_sarif_structure_is_valid() -> None:
    r = report(
        finding(),
        finding(rule="DUMP01", name="dump-diff", patch_index=None, severity=Severity.WARNING),
        rule_errors=("MIG003: KeyError('x')",),
    )
    doc = json.loads(sarif.render(r, rules=RULES))
    assert validate_sarif(doc) == []
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "migcheck"
    rd = driver["rules"][0]
    assert rd["id"] == "MIG902" and rd["name"] == "sample-rule"
    assert rd["shortDescription"]["text"] == "a sample problem"
    assert rd["fullDescription"]["text"] == (
        "A sample problem used by the reporter tests. Second line of the same paragraph. "
        "Because."
    )
    assert "helpUri" not in rd  # no published rule pages: no invented link
    assert "sample problem" in rd["help"]["text"]
    assert rd["defaultConfiguration"]["level"] == "error"
    assert [d["id"] for d in driver["rules"]] == ["MIG902", "DUMP01"]  # unknown id added
    res = run["results"][0]
    assert res["ruleId"] == "MIG902" and res["level"] == "error"
    assert res["message"]["text"] == "field 'scratch' removed from vmsd 'foo'"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "hw/misc/foo.c"
    assert loc["region"]["startLine"] == 27
    assert res["partialFingerprints"]["migcheck/v1"] == r.findings[0].fingerprint
    assert res["properties"]["fixDraft"] == "VMSTATE_UNUSED(4),"
    assert run["results"][1]["level"] == "warning"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "MIG003: KeyError('x')"


def test_sarif_clean_and_registry_rules() -> None:
    doc = sarif.to_sarif(report())
    assert validate_sarif(doc) == []
    assert doc["runs"][0]["results"] == []  # type: ignore[index]


def test_sarif_line_zero_is_clamped() -> None:
    doc = sarif.to_sarif(report(finding(line=0)), rules=RULES)
    assert validate_sarif(doc) == []


def test_sarif_checker_catches_problems() -> None:
    bad = {"version": "2.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "x"}]}]}
    errs = validate_sarif(bad)
    assert any("version" in e for e in errs)
    assert any("'name'" in e for e in errs)
    assert any("'message'" in e for e in errs)


# ---- code quality -------------------------------------------------------------------------


def test_codequality_issues() -> None:
    r = report(
        finding(),
        finding(severity=Severity.WARNING, message="m2", line=5),
        finding(severity=Severity.NOTE, message="m3", line=0),
    )
    issues = json.loads(codequality.render(r))
    assert isinstance(issues, list) and len(issues) == 3
    for issue in issues:
        for key in ("description", "check_name", "fingerprint", "severity", "location"):
            assert key in issue
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1
    assert [i["severity"] for i in issues] == ["critical", "major", "info"]
    assert issues[0]["location"]["path"] == "hw/misc/foo.c"
    assert issues[0]["fingerprint"] == r.findings[0].fingerprint
    assert issues[0]["check_name"] == "MIG902 sample-rule"
    assert len({i["fingerprint"] for i in issues}) == 3


def test_codequality_duplicate_fingerprints_made_unique() -> None:
    f = finding()
    issues = codequality.to_codequality(report(f, f))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_codequality_clean_is_empty_array() -> None:
    assert codequality.render(report()) == "[]\n"


def test_text_fix_draft_is_dedented() -> None:
    draft = "        VMSTATE_UNUSED(4), /* was scratch */\n"
    out = text.render(report(finding(fix_draft=draft)))
    assert "\n        VMSTATE_UNUSED(4), /* was scratch */\n" in out
    nested = "static bool f(void *o)\n{\n    return true;\n}\n"
    out = text.render(report(finding(fix_draft=nested)))
    assert "\n        static bool f(void *o)\n        {\n            return true;\n" in out
