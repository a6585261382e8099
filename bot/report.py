"""Report: the result of reviewing one series; the JSON contract other tools depend on."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.findings import Finding, Severity
from bot.series import Patch, Series

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
    # waivers that could not be read or matched no finding (bot.waivers), one line each
    waiver_notes: tuple[str, ...] = ()
    # of files_parsed, how many models came from the index cache (None: no index used)
    files_cached: int | None = None
    # (phase, seconds) of the run: read, index, analysis, artifacts (seconds is their sum
    # and what lies between)
    phases: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """One real migration between the head build and another QEMU binary (`--against`) on
    one machine type, one way: old->new is from that binary to the head build."""

    binary: str
    version: str  # the binary's `-version` line
    machine: str
    direction: str  # old->new | new->old
    ok: bool
    error: str = ""  # the destination's words when it failed
    base_too: bool | None = None  # failed: whether the base build fails the same way
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        """The check as structured data (JSON report)."""
        return {"binary": self.binary, "version": self.version, "machine": self.machine,
                "direction": self.direction, "ok": self.ok, "error": self.error,
                "base_too": self.base_too, "seconds": self.seconds}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Report:
    """Findings for one series, with the series itself and run statistics."""

    series: Series
    findings: tuple[Finding, ...]
    stats: Stats = field(default_factory=Stats)
    against: tuple[CrossCheck, ...] = ()  # migrations against another binary (--against)

    def reaching(self, threshold: str) -> tuple[Finding, ...]:
        """The findings at or above `threshold` (see reaches())."""
        return tuple(f for f in self.findings if reaches(f.severity, threshold))

    def _patch_json(self, p: Patch) -> dict[str, object]:
        out: dict[str, object] = {"index": p.index, "commit": p.commit, "subject": p.subject}
        inner = [m for m in self.series.merged if m.merged_by == p.commit]
        if inner:  # a merge: the commits it brought in (findings may name them)
            out["merged"] = [
                {"commit": m.commit, "subject": m.subject, "author": m.author} for m in inner
            ]
        return out

    def to_json(self) -> dict[str, object]:
        """The JSON contract: version, base, head, series, findings, (against,) stats."""
        out: dict[str, object] = {
            "version": JSON_VERSION,
            "base": self.series.base,
            "head": self.series.head,
            "series": [self._patch_json(p) for p in self.series.patches],
            "findings": [f.to_json() for f in self.findings],
            "stats": {
                "files_parsed": self.stats.files_parsed,
                "files_skipped": self.stats.files_skipped,
                "seconds": round(self.stats.seconds, 4),
                "rule_errors": list(self.stats.rule_errors),
                "skipped_reason": self.stats.skipped_reason,
                "touched_devices": list(self.stats.touched_devices),
                "preexisting": self.stats.preexisting,
                "waiver_notes": list(self.stats.waiver_notes),
                "files_cached": self.stats.files_cached,
                "phases": {name: round(sec, 4) for name, sec in self.stats.phases},
                # mailed series: "in memory", or which patches needed `git am -3` and why
                "applied_with": self.series.applied_with or None,
            },
        }
        if self.against:
            stats = out.pop("stats")
            out["against"] = [c.to_json() for c in self.against]
            out["stats"] = stats
        return out
