"""Run the reviewed tree's scripts/vmstate-static-checker.py in both directions, parse its
messages (the 13 forms of migration-domain.md §4.2) and reconcile them with the builtin
comparator: one finding per problem noting which checker saw it; upstream reports that the
builtin comparator shows are not wire problems become notes.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.artifacts.compare import compare_dumps, load_dump
from bot.artifacts.kinds import BWD, FWD, extra_get, make_finding
from bot.artifacts.sandbox import Limits, Sandbox, limit_note, run_limited
from bot.errors import ArtifactError
from bot.findings import Finding, Severity
from bot.redact import shown

_Q = r'"([^"]*)"'
# (form id, regex); order matters only where prefixes overlap. `sec` is the src-side key.
FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("machine", re.compile(r'^Warning: checking incompatible machine types: ' + _Q + ", " + _Q
                           + r"$")),
    ("section-missing", re.compile(r"^Section " + _Q + r" does not exist in dest$")),
    ("section-entry", re.compile(r"^Section " + _Q + r": Entry " + _Q + r" missing$")),
    ("section-version", re.compile(r"^Section " + _Q + r" version error: (\d+) > (\d+)$")),
    ("version", re.compile(r"^Section " + _Q + r" Description " + _Q
                           + r": version error: (\d+) > (\d+)$")),
    ("min-version", re.compile(r"^Section " + _Q + r" Description " + _Q
                               + r": minimum version error: (\d+) < (\d+)$")),
    ("desc-renamed", re.compile(r"^Section " + _Q + r": Description " + _Q + r" missing, got "
                                + _Q + r" instead; skipping$")),
    ("desc-entry", re.compile(r"^Section " + _Q + r" Description " + _Q + r": Entry " + _Q
                              + r" missing$")),
    ("no-more-fields", re.compile(r"^Section " + _Q + r", Description " + _Q
                                  + r": expected field " + _Q
                                  + r", while dest has no further fields$")),
    ("unused-size", re.compile(r"^Section " + _Q + r", Description " + _Q
                               + r': unused size mismatch near " (.*)"$')),
    ("field-mismatch", re.compile(r"^Section " + _Q + r", Description " + _Q
                                  + r": expected field " + _Q + r", got " + _Q
                                  + r"; skipping rest$")),
    ("size", re.compile(r"^Section " + _Q + r" Description " + _Q + r" Field " + _Q
                        + r" size mismatch: (\d+) , (\d+)$")),
    ("missing-desc", re.compile(r"^Section " + _Q + r", Description " + _Q + r", Field "
                                + _Q + r": missing description$")),
    ("subsection", re.compile(r"^Section " + _Q + r", Description " + _Q + r": Subsection "
                              + _Q + r" not found$")),
)
# 4b: the section-level "minimum version error" prints only `Section "X" ` and the next message
# lands on the same line; strip the dangling prefix and parse the rest.
_DANGLING = re.compile(r'^(Section "[^"]*" )(?=Section ")')

# Which builtin kinds explain each upstream form.
FORM_KINDS: dict[str, frozenset[str]] = {
    "machine": frozenset({"machine"}),
    "section-missing": frozenset({"section-removed", "section-added", "section-renamed"}),
    "section-entry": frozenset({"field-removed", "field-added", "section-renamed"}),
    "section-version": frozenset({"version"}),
    "version": frozenset({"version", "field-added", "field-removed", "field-test"}),
    "min-version": frozenset({"version"}),
    "desc-renamed": frozenset({"section-renamed", "field-renamed"}),
    "desc-entry": frozenset({"field-removed", "field-added", "subsection-removed",
                             "subsection-added"}),
    "no-more-fields": frozenset({"field-added", "field-removed", "field-moved", "field-size",
                                 "field-test"}),
    "unused-size": frozenset({"field-size", "field-removed", "field-added"}),
    "field-mismatch": frozenset({"field-added", "field-removed", "field-moved", "field-size",
                                 "field-renamed", "field-test"}),
    "size": frozenset({"field-size"}),
    "missing-desc": frozenset({"field-size"}),
    "subsection": frozenset({"subsection-removed", "subsection-added",
                             "subsection-duplicate"}),
}
# Category of an upstream-only report when the builtin comparator did not run.
FORM_FALLBACK_KIND: dict[str, str] = {
    "machine": "machine", "section-missing": "section-removed", "section-entry": "field-removed",
    "section-version": "version", "version": "version", "min-version": "version",
    "desc-renamed": "section-renamed", "desc-entry": "field-removed",
    "no-more-fields": "field-added", "unused-size": "field-size",
    "field-mismatch": "field-removed", "size": "field-size", "missing-desc": "field-size",
    "subsection": "subsection-removed",
}


@dataclass(frozen=True, slots=True)
class UpstreamReport:
    """One parsed line of the upstream checker."""

    form: str
    section: str  # key in the run's src dump
    description: str
    detail: tuple[str, ...]
    direction: str  # FWD for -s OLD -d NEW, BWD for --reverse
    line: str


def parse_output(text: str, direction: str) -> tuple[list[UpstreamReport], list[str]]:
    """Parsed reports and the lines that matched no known form."""
    reports: list[UpstreamReport] = []
    unknown: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m0 = _DANGLING.match(line)
        body = line[m0.end(1):] if m0 else line
        for form, rx in FORMS:
            m = rx.match(body)
            if m:
                g = m.groups()
                if form == "machine":
                    reports.append(UpstreamReport(form, "vmschkmachine", "", g, direction, line))
                elif form in ("section-missing", "section-version", "section-entry"):
                    reports.append(UpstreamReport(form, g[0], "", g[1:], direction, line))
                else:
                    reports.append(UpstreamReport(form, g[0], g[1], g[2:], direction, line))
                break
        else:
            unknown.append(line)
    return reports, unknown


MAX_REPORTS = 200  # per direction: a hostile checker could print millions of lines
LINE_CHARS = 500


def run_upstream(script: str | Path, old: str | Path, new: str | Path, *, sandbox: Sandbox,
                 limits: Limits, workdir: str | Path) -> list[UpstreamReport]:
    """Run the script both ways (-s OLD -d NEW, then with --reverse) and parse its output.

    The script comes from the reviewed tree: it runs sandboxed with the two dumps read-only,
    and what it prints is capped and redacted before it can reach a report."""
    out: list[UpstreamReport] = []
    inputs = [os.path.abspath(p) for p in (script, old, new)]
    python = os.path.realpath(sys.executable)  # the base interpreter; the script needs stdlib
    budget = limits.run()
    for direction, extra in ((FWD, []), (BWD, ["--reverse"])):
        run = sandbox.private_dir(workdir, ".upstream-")
        try:
            r = run_limited(sandbox, [python, inputs[0], "-s", inputs[1], "-d", inputs[2],
                                      *extra],
                            cwd=run, writable=[run], readonly=inputs, budget=budget)
        finally:
            shutil.rmtree(run, ignore_errors=True)
        if r.killed_by:
            raise ArtifactError(f"vmstate-static-checker.py was stopped: "
                                f"{limit_note(r, budget)}", input_name=str(script))
        reports, unknown = parse_output(r.output, direction)
        if "Traceback (most recent call last)" in r.output:
            reports.append(UpstreamReport("crash", "", "", (shown(r.output.strip()[-400:], 500),),
                                          direction, "crashed"))
        else:
            for line in unknown:
                reports.append(UpstreamReport("unknown", "", "", (line,), direction, line))
        if len(reports) > MAX_REPORTS:
            dropped = len(reports) - MAX_REPORTS
            reports = reports[:MAX_REPORTS]
            reports.append(UpstreamReport("unknown", "", "", (), direction,
                                          f"[{dropped} more lines not shown]"))
        out.extend(_clean(rep) for rep in reports)
    return out


def _clean(rep: UpstreamReport) -> UpstreamReport:
    """The report with its texts redacted and capped (they are quoted in findings)."""
    return replace(rep, line=shown(rep.line, LINE_CHARS),
                   detail=tuple(shown(d, LINE_CHARS) for d in rep.detail))


def _sections_of(f: Finding) -> set[str]:
    s = {extra_get(f, "section")}
    m = re.search(r'is now "([^"]+)"', f.message)
    if m:
        s.add(m.group(1))
    return s


def _duplicate_subsections(dump: Mapping[str, Any] | None, section: str) -> set[str]:
    """Subsection names that occur more than once anywhere in `section` of `dump`."""
    if not dump or not isinstance(dump.get(section), dict):
        return set()
    names: list[str] = []

    def walk(d: Any) -> None:
        if isinstance(d, dict):
            for sub in d.get("Subsections", []) or []:
                if isinstance(sub, dict):
                    names.append(str(sub.get("name")))
            for v in d.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(d, list):
            for v in d:
                walk(v)

    walk(dump[section])
    return {n for n in names if names.count(n) > 1}


def reconcile(builtin: Sequence[Finding] | None,
              reports: Sequence[UpstreamReport],
              old: Mapping[str, Any] | None = None,
              new: Mapping[str, Any] | None = None) -> tuple[Finding, ...]:
    """Merge: builtin findings seen by upstream say checker=both; upstream-only reports become
    findings (errors when builtin did not run, notes when builtin ran and saw no wire problem)."""
    merged: list[Finding] = list(builtin or ())
    seen_by_upstream: dict[int, list[UpstreamReport]] = {}
    orphans: list[UpstreamReport] = []
    for rep in reports:
        if rep.form in ("crash", "unknown"):
            orphans.append(rep)
            continue
        kinds = FORM_KINDS.get(rep.form, frozenset())
        hit = None
        for i, f in enumerate(merged):
            if extra_get(f, "kind") in kinds and rep.section in _sections_of(f):
                hit = i
                break
        if hit is None:
            orphans.append(rep)
        else:
            seen_by_upstream.setdefault(hit, []).append(rep)
    out: list[Finding] = []
    for i, f in enumerate(merged):
        reps = seen_by_upstream.get(i)
        if reps:
            extra = tuple((k, "builtin+upstream" if k == "checker" else v) for k, v in f.extra)
            lines = "; ".join(sorted({r.line for r in reps}))
            f = replace(f, extra=(*extra, ("upstream", lines)))
        out.append(f)
    for rep in orphans:
        covering = [f for f in (builtin or ()) if f.severity is not Severity.NOTE
                    and rep.section and rep.section in _sections_of(f)]
        dups = _duplicate_subsections(old, rep.section) | _duplicate_subsections(new, rep.section)
        out.append(_orphan_finding(rep, builtin_ran=builtin is not None, covering=covering,
                                   duplicates=dups))
    return tuple(out)


def _orphan_finding(rep: UpstreamReport, *, builtin_ran: bool,
                    covering: Sequence[Finding] = (),
                    duplicates: set[str] | frozenset[str] = frozenset()) -> Finding:
    section = rep.section or "upstream"
    entity = f"{section}/{rep.description}" if rep.description else section
    if rep.form == "crash":
        return make_finding("upstream", Severity.NOTE,
                            f"vmstate-static-checker.py crashed ({rep.direction}): "
                            f"{rep.detail[0]}", "upstream-checker", section="", vmsd="",
                            directions=(), checker="upstream", confidence="low")
    if rep.form == "unknown":
        return make_finding("upstream", Severity.NOTE,
                            f"unrecognised vmstate-static-checker.py output ({rep.direction}): "
                            f"{rep.line}", entity, section="", vmsd="", directions=(),
                            checker="upstream", confidence="low")
    if rep.form == "machine":
        return make_finding("machine", Severity.NOTE, f"upstream: {rep.line}", "vmschkmachine",
                            section="vmschkmachine", vmsd="", directions=(), checker="upstream")
    if builtin_ran and covering:
        first = covering[0]
        return make_finding("upstream", Severity.NOTE,
                            f"upstream checker ({rep.direction}) also reported: {rep.line} — "
                            f"moot here: the builtin comparator already fails this section on "
                            f"[{first.rule}] {first.message}", entity, section=section,
                            vmsd=rep.description, directions=(), checker="upstream",
                            confidence="medium",
                            extra=(("upstream", rep.line), ("form", rep.form)))
    if builtin_ran:
        why = _spurious_reason(rep)
        hit = [n for n in duplicates if n == rep.description or n in rep.detail]
        if hit:
            why = (f'subsection name "{hit[0]}" occurs more than once in this section; upstream '
                   f"compares every same-named pair, the builtin comparator pairs them by "
                   f"occurrence and finds them identical")
        return make_finding("upstream", Severity.NOTE,
                            f"upstream checker ({rep.direction}) reported: {rep.line} — not a "
                            f"wire problem according to the builtin comparator: {why}",
                            entity, section=section, vmsd=rep.description, directions=(),
                            checker="upstream", confidence="medium",
                            extra=(("upstream", rep.line), ("form", rep.form)))
    kind = FORM_FALLBACK_KIND.get(rep.form, "upstream")
    return make_finding(kind, Severity.ERROR, f"upstream checker ({rep.direction}): {rep.line}",
                        entity, section=section, vmsd=rep.description,
                        directions=(rep.direction,), checker="upstream", confidence="medium",
                        extra=(("upstream", rep.line), ("form", rep.form)))


def _spurious_reason(rep: UpstreamReport) -> str:
    if rep.form in ("version", "min-version", "desc-renamed"):
        return ("nested VMSTATE_STRUCT names and versions are not on the wire (each side "
                "loads with its own), or the field is gated by its version on both sides")
    if rep.form == "subsection":
        return ("the subsection is present on both sides (repeated subsection names are "
                "paired by occurrence, not cross-compared)")
    if rep.form in ("field-mismatch", "no-more-fields", "unused-size"):
        return "the byte layout on the wire is the same (substruct, unused or allow-listed rename)"
    if rep.form == "section-missing":
        return "an allow-listed or same-VMSD section rename"
    return "no difference in what is sent or accepted"


def check_with_upstream(script: str | Path, old: str | Path, new: str | Path, *,
                        checker: str = "both", sandbox: Sandbox | None = None,
                        limits: Limits | None = None,
                        workdir: str | Path | None = None) -> tuple[Finding, ...]:
    """`--checker upstream|both` on two dump files."""
    sb = sandbox or Sandbox("none")
    wd = Path(workdir) if workdir else Path(old).resolve().parent
    reports = run_upstream(script, old, new, sandbox=sb, limits=limits or Limits(), workdir=wd)
    od, nd = load_dump(old), load_dump(new)
    builtin = compare_dumps(od, nd) if checker == "both" else None
    return reconcile(builtin, reports, od, nd)
