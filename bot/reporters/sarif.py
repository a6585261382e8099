"""SARIF 2.1.0 report (GitHub code scanning, reviewdog -f=sarif, generic tooling).

One run; `tool.driver.rules` lists every registered rule (plus any rule id a finding uses
that the registry does not know, e.g. artifact-layer findings); each result points at its
rule by id and index, carries the migcheck fingerprint in `partialFingerprints` and the
rest of the Finding in `properties`. Paths are repository-relative under %SRCROOT%.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot import __version__
from bot.engine.runner import doc_url
from bot.engine.spec import Rule
from bot.findings import Finding
from bot.report import Report
from bot.reporters.anchor import head_location
from bot.reporters.common import finding_fingerprint, rule_description, rules_by_id
from bot.series import Series

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "migcheck/v1"
SRCROOT = "SRCROOT"


def _rule_descriptor(rule: Rule) -> dict[str, object]:
    spec = rule.spec
    return {
        "id": spec.id,
        "name": spec.name,
        "shortDescription": {"text": spec.message},
        "fullDescription": {"text": rule_description(rule)},
        "help": {"text": rule.doc or spec.message, "markdown": rule.doc or spec.message},
        **({"helpUri": url} if (url := doc_url(spec.name)) else {}),
        "defaultConfiguration": {"level": spec.severity.value},
        "properties": {
            "category": spec.category.value,
            "confidence": spec.confidence,
            "scope": spec.scope,
            "tags": ["migration", spec.category.value],
        },
    }


def _adhoc_descriptor(f: Finding) -> dict[str, object]:
    """A descriptor for a rule id only known from its findings (e.g. artifact checks)."""
    return {
        "id": f.rule,
        "name": f.name,
        "shortDescription": {"text": f.name},
        "fullDescription": {"text": f.fix_hint or f.name},
        **({"helpUri": url} if (url := f.doc_url or doc_url(f.name)) else {}),
        "defaultConfiguration": {"level": f.severity.value},
        "properties": {"category": f.category.value, "confidence": f.confidence},
    }


def _result(f: Finding, rule_index: int, series: Series) -> dict[str, object]:
    path, line = head_location(f, series)  # results annotate the head's files
    region: dict[str, object] = {"startLine": line}
    props: dict[str, object] = {
        "category": f.category.value,
        "confidence": f.confidence,
        "entity": f.entity,
        "side": f.side,
        "line": f.line,  # on `side` of the finding's patch (startLine is in the head)
        "fixHint": f.fix_hint,
        "evidence": [e.value for e in f.evidence],
    }
    if f.evidence_detail:
        props["evidenceDetail"] = [d.to_json() for d in f.evidence_detail]
    if f.fix_draft:
        props["fixDraft"] = f.fix_draft
    if f.fix_check:
        props["fixCheck"] = f.fix_check
    if f.patch_index is not None:
        props["patchIndex"] = f.patch_index
    if f.commit:
        props["commit"] = f.commit
    extra: dict[str, object] = {}
    if f.waived is not None:
        # SARIF's own way to say "accepted on purpose": viewers hide suppressed results
        extra["suppressions"] = [{"kind": "external", "status": "accepted",
                                  "justification": f.waived.line()}]  # fmt: skip
        props["waived"] = f.waived.to_json()
    return {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path, "uriBaseId": SRCROOT},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(f)},
        "properties": props,
        **extra,
    }


def to_sarif(report: Report, rules: Sequence[Rule] | None = None) -> dict[str, object]:
    """The SARIF log as a dict (`rules` default: the registry)."""
    known = rules_by_id(rules)
    descriptors: list[dict[str, object]] = [_rule_descriptor(r) for r in known.values()]
    index: dict[str, int] = {r.spec.id: i for i, r in enumerate(known.values())}
    for f in report.findings:
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append(_adhoc_descriptor(f))
    series = report.series
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "migcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": err}} for err in report.stats.rule_errors
                ],
            }
        ],
        "results": [_result(f, index[f.rule], report.series) for f in report.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "base": series.base,
            "head": series.head,
            "series": [
                {"index": p.index, "commit": p.commit, "subject": p.subject} for p in series.patches
            ],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report, rules: Sequence[Rule] | None = None) -> str:
    """The SARIF log as JSON text ending with a newline."""
    return json.dumps(to_sarif(report, rules), indent=2, ensure_ascii=False) + "\n"
