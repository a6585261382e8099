"""Plain-text report: findings grouped by patch, compiler-style lines, a summary line."""

from __future__ import annotations

import textwrap

from bot.findings import Finding, Severity
from bot.report import Report
from bot.reporters.common import count_by_severity, plural


def _location(f: Finding) -> str:
    return f"{f.path}:{f.line}"


def _finding_lines(f: Finding) -> list[str]:
    side = " (line of the old file)" if f.side == "old" else ""
    lines = [
        f"  {_location(f)}: {f.rule} [{f.name}] {f.severity.value}: {f.message}{side}",
    ]
    lines.extend(f"      seen by {d.line(f.message)}" for d in f.evidence_detail)
    if f.fix_hint:
        lines.append(f"      hint: {f.fix_hint}")
    if f.fix_draft:
        lines.append("      fix draft:")
        draft = textwrap.dedent(f.fix_draft.expandtabs(8)).strip("\n")
        lines.extend(f"        {ln}".rstrip() for ln in draft.splitlines())
    lines.append(f"      docs: {f.doc_url or 'migcheck rules ' + f.rule}")
    return lines


def summary_line(report: Report) -> str:
    """The last line of the text report (also printed by `check --output`)."""
    n = len(report.series.patches)
    secs = f"{report.stats.seconds:.2f} s"
    if report.stats.preexisting:
        already = plural(report.stats.preexisting, "problem")
        secs += f"; {already} the base already has left out"
    if not report.findings:
        why = f"; {report.stats.skipped_reason}" if report.stats.skipped_reason else ""
        return (
            f"no migration impact found in {plural(n, 'patch', 'patches')} "
            f"({plural(report.stats.files_parsed, 'file')} parsed, {secs}{why})"
        )
    c = count_by_severity(report.findings)
    return (
        f"{plural(len(report.findings), 'finding')} "
        f"({plural(c[Severity.ERROR], 'error')}, {plural(c[Severity.WARNING], 'warning')}, "
        f"{plural(c[Severity.NOTE], 'note')}) in "
        f"{plural(n, 'patch', 'patches')} "
        f"({plural(report.stats.files_parsed, 'file')} parsed, {secs})"
    )


def render(report: Report) -> str:
    """The whole text report, ending with a newline."""
    series = report.series
    total = len(series.patches)
    out: list[str] = []
    by_patch: dict[int | None, list[Finding]] = {}
    for f in report.findings:
        key = f.patch_index if f.patch_index is not None and 1 <= f.patch_index <= total else None
        by_patch.setdefault(key, []).append(f)
    for patch in series.patches:
        found = by_patch.get(patch.index)
        if not found:
            continue
        out.append(f"[{patch.index}/{total}] {patch.subject} ({patch.commit[:12]})")
        for f in found:
            out.extend(_finding_lines(f))
        out.append("")
    if None in by_patch:
        out.append(f"[series] {series.base[:12]}..{series.head[:12]}")
        for f in by_patch[None]:
            out.extend(_finding_lines(f))
        out.append("")
    if report.stats.rule_errors:
        out.append(
            "internal: "
            + plural(len(report.stats.rule_errors), "rule error")
            + " (a rule crashed; its findings are missing): "
            + "; ".join(report.stats.rule_errors)
        )
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
