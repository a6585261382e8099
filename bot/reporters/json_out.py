"""JSON report: Report.to_json() (the issue-2 contract), indent 2, keys in contract order."""

from __future__ import annotations

import json

from bot.report import Report


def render(report: Report) -> str:
    """The report as JSON text ending with a newline."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
