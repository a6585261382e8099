"""Report: the result of reviewing one series; the JSON contract other tools depend on."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.findings import Finding, Severity
from bot.series import Series

JSON_VERSION = 1
THRESHOLDS = ("error", "warning", "note", "never")


def reaches(severity: Severity, threshold: str) -> bool:
    """Whether a finding of `severity` is at or above `threshold` (a Severity value, or
    "never", which nothing reaches): the one threshold test of every front end."""
    return threshold != "never" and severity.rank >= Severity(threshold).rank


@dataclass(frozen=True, slots=True)
class Stats:
    """Counters and timings of one run."""

    files_parsed: int = 0
    seconds: float = 0.0
    files_skipped: int = 0
    rule_errors: tuple[str, ...] = ()  # "MIG003: KeyError('x')" — internal, never a comment
    skipped_reason: str | None = None  # set when the series was skipped cheaply
    touched_devices: tuple[str, ...] = ()  # device types the series touches, migrated for real
    preexisting: int = 0  # artifact problems left out: the base shows them against itself


@dataclass(frozen=True, slots=True)
class Report:
    """Findings for one series, with the series itself and run statistics."""

    series: Series
    findings: tuple[Finding, ...]
    stats: Stats = field(default_factory=Stats)

    def reaching(self, threshold: str) -> tuple[Finding, ...]:
        """The findings at or above `threshold` (see reaches())."""
        return tuple(f for f in self.findings if reaches(f.severity, threshold))

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
                "touched_devices": list(self.stats.touched_devices),
                "preexisting": self.stats.preexisting,
                # mailed series: "in memory", or which patches needed `git am -3` and why
                "applied_with": self.series.applied_with or None,
            },
        }
