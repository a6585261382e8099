"""GitLab Code Quality report (`artifacts: reports: codequality:`): a JSON array of issues.

Severity mapping: error -> critical, warning -> major, note -> info. Locations are in the
head's files (old-side findings carried to the nearest new line), where GitLab shows them.
Fingerprints are the migcheck fingerprints (no line numbers, so moved code is not a "new"
issue); a duplicate within one report gets a suffix so GitLab keeps both.
"""

from __future__ import annotations

import hashlib
import json

from bot.findings import Severity
from bot.report import Report
from bot.reporters.anchor import head_location
from bot.reporters.common import finding_fingerprint

SEVERITY = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.NOTE: "info",
}


def to_codequality(report: Report) -> list[dict[str, object]]:
    """The Code Quality issues as a list of dicts."""
    out: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for f in report.findings:
        fp = finding_fingerprint(f)
        n = seen.get(fp, 0)
        seen[fp] = n + 1
        if n:
            fp = hashlib.sha256(f"{fp}:{n}".encode()).hexdigest()[:16]
        path, line = head_location(f, report.series)  # annotations land on the head's files
        out.append(
            {
                "type": "issue",
                "description": f"{f.rule} [{f.name}] {f.message}",
                "check_name": f"{f.rule} {f.name}",
                "fingerprint": fp,
                "severity": SEVERITY[f.severity],
                "categories": ["Bug Risk"],
                "content": {"body": f.fix_hint + (f"\n\n{f.fix_draft}" if f.fix_draft else "")
                            + (f"\n\n{f.fix_check}" if f.fix_check else "")},
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return out


def render(report: Report) -> str:
    """The Code Quality report as JSON text ending with a newline."""
    return json.dumps(to_codequality(report), indent=2, ensure_ascii=False) + "\n"
