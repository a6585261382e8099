"""Plain-text report: findings grouped by patch, compiler-style lines, a summary line."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.findings import Finding, Severity
from bot.report import CrossCheck, Report, Stats
from bot.reporters.common import count_by_severity, plural


def _location(f: Finding) -> str:
    return f"{f.path}:{f.line}"


def _finding_lines(f: Finding) -> list[str]:
    side = " (line of the old file)" if f.side == "old" else ""
    lines = [
        f"  {_location(f)}: {f.rule} [{f.name}] {f.severity.value}: {f.message}{side}",
    ]
    if f.waived is not None:
        lines.append(f"      {f.waived.line()}")
    lines.extend(f"      seen by {d.line(f.message)}" for d in f.evidence_detail)
    if f.fix_hint:
        lines.append(f"      hint: {f.fix_hint}")
    if f.fix_draft:
        lines.append("      fix draft:")
        draft = textwrap.dedent(f.fix_draft.expandtabs(8)).strip("\n")
        lines.extend(f"        {ln}".rstrip() for ln in draft.splitlines())
    if f.fix_check:
        lines.append(f"      {f.fix_check}")
    lines.append(f"      docs: {f.doc_url or 'migcheck rules ' + f.rule}")
    return lines


def cost(stats: Stats) -> str:
    """`9871 files parsed (9868 from cache) in 12.31 s (index 10.02 s, analysis 2.29 s)`:
    every file the run needed and all the time it took."""
    files = f"{plural(stats.files_parsed, 'file')} parsed"
    if stats.files_cached is not None:
        files += f" ({stats.files_cached} from cache)"
    out = f"{files} in {stats.seconds:.2f} s"
    if len(stats.phases) > 1:
        out += " (" + ", ".join(f"{name} {sec:.2f} s" for name, sec in stats.phases) + ")"
    return out


def against_lines(checks: Sequence[CrossCheck]) -> list[str]:
    """The migrations against another binary: a heading with the counts, then one line
    per machine type with both directions."""
    if not checks:
        return []
    first = checks[0]
    failed = [c for c in checks if not c.ok]
    theirs = sum(1 for c in failed if c.base_too)
    machines = list(dict.fromkeys(c.machine for c in checks))
    head = (f"against {first.binary} ({first.version}): {plural(len(machines), 'machine type')}, "
            f"{plural(len(checks), 'migration')}, {len(checks) - len(failed)} ok, "
            f"{len(failed)} failed")  # fmt: skip
    if theirs:
        head += f" ({theirs} of them fail with the base build too)"
    out = [head]
    width = max(len(m) for m in machines)
    for m in machines:
        cells = []
        for c in (c for c in checks if c.machine == m):
            way = "release->head" if c.direction == "old->new" else "head->release"
            if c.ok:
                cells.append(f"{way} ok {c.seconds:.1f} s")
            else:
                why = " (the base build too)" if c.base_too else ""
                cells.append(f"{way} FAILED{why}: {c.error[:200]}")
        out.append(f"  {m:<{width}}  " + "   ".join(cells))
    return [*out, ""]


def summary_line(report: Report) -> str:
    """The last line of the text report (also printed by `check --output`)."""
    n = len(report.series.patches)
    tail = ""
    if report.stats.preexisting:
        tail += f"; {plural(report.stats.preexisting, 'problem')} the base already has left out"
    if not report.findings:
        why = f"; {report.stats.skipped_reason}" if report.stats.skipped_reason else ""
        return (
            f"no migration impact found in {plural(n, 'patch', 'patches')}: "
            f"{cost(report.stats)}{tail}{why}"
        )
    c = count_by_severity(report.findings)
    waived = sum(1 for f in report.findings if f.waived is not None)
    notes = plural(c[Severity.NOTE], "note") + (f" ({waived} waived)" if waived else "")
    return (
        f"{plural(len(report.findings), 'finding')} "
        f"({plural(c[Severity.ERROR], 'error')}, {plural(c[Severity.WARNING], 'warning')}, "
        f"{notes}) in {plural(n, 'patch', 'patches')}: {cost(report.stats)}{tail}"
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
        via = ""
        for f in sorted(found, key=lambda f: f.commit != patch.commit):
            inner = series.commit_patch(f.commit) if f.commit != patch.commit else None
            if inner is not None and inner.commit != via:
                via = inner.commit
                out.append(f"  from merged commit {inner.commit[:12]} {inner.subject} "
                           f"({inner.author})")  # fmt: skip
            out.extend(_finding_lines(f))
        out.append("")
    if None in by_patch:
        out.append(f"[series] {series.base[:12]}..{series.head[:12]}")
        for f in by_patch[None]:
            out.extend(_finding_lines(f))
        out.append("")
    out.extend(against_lines(report.against))
    if report.stats.waiver_notes:
        out.extend(f"waivers: {note}" for note in report.stats.waiver_notes)
    if report.stats.rule_errors:
        out.append(
            "internal: "
            + plural(len(report.stats.rule_errors), "rule error")
            + " (a rule crashed; its findings are missing): "
            + "; ".join(report.stats.rule_errors)
        )
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
