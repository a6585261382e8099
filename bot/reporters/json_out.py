"""JSON report: Report.to_json() (the contract other tools read), indent 2, keys in order."""

from __future__ import annotations

import json

from bot.report import Report


def render(report: Report) -> str:
    """The report as JSON text ending with a newline."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
