"""Report: the result of reviewing one series; the JSON contract other tools depend on."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.findings import Finding
from bot.series import Series

JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class Stats:
    """Counters and timings of one run."""

    files_parsed: int = 0
    seconds: float = 0.0
    files_skipped: int = 0
    rule_errors: tuple[str, ...] = ()  # "MIG003: KeyError('x')" — internal, never a comment
    skipped_reason: str | None = None  # set when the series was skipped cheaply


@dataclass(frozen=True, slots=True)
class Report:
    """Findings for one series, with the series itself and run statistics."""

    series: Series
    findings: tuple[Finding, ...]
    stats: Stats = field(default_factory=Stats)

    def to_json(self) -> dict[str, object]:
        """The JSON contract of issue 2 (version, base, head, series, findings, stats)."""
        return {
            "version": JSON_VERSION,
            "base": self.series.base,
            "head": self.series.head,
            "series": [
                {"index": p.index, "commit": p.commit, "subject": p.subject}
                for p in self.series.patches
            ],
            "findings": [f.to_json() for f in self.findings],
            "stats": {
                "files_parsed": self.stats.files_parsed,
                "files_skipped": self.stats.files_skipped,
                "seconds": round(self.stats.seconds, 4),
                "rule_errors": list(self.stats.rule_errors),
                "skipped_reason": self.stats.skipped_reason,
                # mailed series: "in memory", or which patches needed `git am -3` and why
                "applied_with": self.series.applied_with or None,
            },
        }
