"""GitLab merge request reporter: inline discussions, one summary note, a commit status.

Idempotent by construction: every note carries a hidden marker (`<!-- migcheck:fp=... -->`
for an inline finding, `<!-- migcheck:summary ... -->` for the summary). On every run the
MR's discussions are read in full (get_all=True) and matched by marker: what is posted and
unchanged is skipped, what changed is edited, this bot's threads whose finding disappeared
are resolved, new findings are posted (at most `cap` new threads per run; the rest go to the
summary). Findings whose line is not in the diff GitLab renders go to the summary, as do
findings whose position GitLab rejects (400).

Positions follow GitLab's rules: added line -> new_line, removed line -> old_line, context
line -> both, new file -> never old_line. They are computed with unidiff from the MR
version's diffs, and a patch-level finding's line is first carried to the base (old side)
or head (new side) through the later/earlier patches of the series.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unidiff.patch import PatchSet

from bot.diff.linemap import LineMap, hunks_from_bytes
from bot.findings import Finding, Severity
from bot.report import Report, reaches
from bot.reporters.common import count_by_severity, finding_fingerprint, plural
from bot.series import FileChange, Series

log = logging.getLogger("migcheck.gitlab")

FP_MARKER = "<!-- migcheck:fp={fp} -->"
FP_RE = re.compile(r"<!-- migcheck:fp=([0-9A-Za-z_-]+) -->")
SUMMARY_RE = re.compile(r"<!-- migcheck:summary verdict=(\w+) head=(\w*) -->")
RESOLVED_MARK = "<!-- migcheck:auto-resolved -->"
VERDICT_MARKER = "<!-- migcheck:verdict -->"
REPLY_MARKER = "<!-- migcheck:reply -->"

VERDICT_TEXT = {
    "fail": ":x: **migcheck: this merge request breaks live migration**",
    "warn": ":warning: **migcheck: possible migration impact**",
    "clean": ":white_check_mark: migcheck: no migration impact found",
}
SEV_ICON = {
    Severity.ERROR: ":x:",
    Severity.WARNING: ":warning:",
    Severity.NOTE: ":information_source:",
}


def verdict(findings: Iterable[Finding], fail_on: str) -> str:
    """'fail' when a finding reaches fail_on, 'warn' for other findings, else 'clean'."""
    fs = list(findings)
    if not fs:
        return "clean"
    return "fail" if any(reaches(f.severity, fail_on) for f in fs) else "warn"


# --- positions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of the rendered MR diff: kind is added, removed or context."""

    kind: str
    old_line: int | None
    new_line: int | None


@dataclass(slots=True)
class _FileDiff:
    old_path: str
    new_path: str
    new_file: bool
    deleted_file: bool
    by_new: dict[int, DiffLine] = field(default_factory=dict)
    by_old: dict[int, DiffLine] = field(default_factory=dict)


class DiffIndex:
    """The lines GitLab renders for one MR version, addressable by (path, line, side)."""

    def __init__(self, files: Sequence[_FileDiff], refs: Mapping[str, str]) -> None:
        self.refs = dict(refs)
        self._by_new = {f.new_path: f for f in files if not f.deleted_file}
        self._by_old = {f.old_path: f for f in files if not f.new_file}

    @classmethod
    def from_gitlab(cls, diffs: Sequence[Mapping[str, Any]], refs: Mapping[str, str]) -> DiffIndex:
        """From a version's `diffs` (old_path, new_path, new_file, deleted_file, diff)."""
        files: list[_FileDiff] = []
        for d in diffs:
            old_path = str(d.get("old_path") or d.get("new_path"))
            new_path = str(d.get("new_path") or old_path)
            new_file = bool(d.get("new_file"))
            deleted = bool(d.get("deleted_file"))
            fd = _FileDiff(old_path, new_path, new_file, deleted)
            text = str(d.get("diff") or "")
            if text.strip():
                src = "/dev/null" if new_file else f"a/{old_path}"
                dst = "/dev/null" if deleted else f"b/{new_path}"
                if not text.endswith("\n"):
                    text += "\n"
                try:
                    patch = PatchSet(f"--- {src}\n+++ {dst}\n{text}")
                except Exception as exc:  # a diff GitLab truncated or we cannot read
                    log.warning("cannot parse the MR diff of %s: %s", new_path, exc)
                    patch = PatchSet("")
                for pf in patch:
                    for hunk in pf:
                        for ln in hunk:
                            if ln.is_added:
                                dl = DiffLine("added", None, ln.target_line_no)
                            elif ln.is_removed:
                                dl = DiffLine("removed", ln.source_line_no, None)
                            elif ln.is_context:
                                dl = DiffLine("context", ln.source_line_no, ln.target_line_no)
                            else:
                                continue
                            if dl.new_line is not None:
                                fd.by_new[dl.new_line] = dl
                            if dl.old_line is not None:
                                fd.by_old[dl.old_line] = dl
            files.append(fd)
        return cls(files, refs)

    def position(self, path: str, line: int, side: str) -> dict[str, Any] | None:
        """The discussion position of a line, or None when GitLab does not render it."""
        fd = (self._by_new if side == "new" else self._by_old).get(path)
        if fd is None:
            return None
        dl = (fd.by_new if side == "new" else fd.by_old).get(line)
        if dl is None:
            return None
        pos: dict[str, Any] = {
            "position_type": "text",
            "base_sha": self.refs["base_sha"],
            "start_sha": self.refs["start_sha"],
            "head_sha": self.refs["head_sha"],
            "old_path": fd.old_path,
            "new_path": fd.new_path,
        }
        if dl.kind == "added":
            pos["new_line"] = dl.new_line
        elif dl.kind == "removed":
            pos["old_line"] = dl.old_line
        else:
            pos["new_line"] = dl.new_line
            if not fd.new_file:
                pos["old_line"] = dl.old_line
        return pos


def _file_hunks(fc: FileChange) -> LineMap:
    return LineMap(fc.hunks or hunks_from_bytes(fc.old, fc.new))


def anchor(f: Finding, series: Series) -> tuple[str, int, str] | None:
    """(path, line, side) of a finding in the base..head diff: a patch's new-side line is
    carried forward through the later patches, an old-side line back through the earlier
    ones. None when a later/earlier patch rewrote that very line."""
    line = f.line
    path = f.path
    if f.patch_index is None or line <= 0:
        return (path, line, f.side) if line > 0 else None
    patches = [p for p in series.patches]
    if f.side == "new":
        for p in patches:
            if p.index <= f.patch_index:
                continue
            for fc in p.files:
                if fc.old_path == path and fc.new_path is not None:
                    mapped = _file_hunks(fc).old_to_new(line)
                    if mapped is None:
                        return None
                    line, path = mapped, fc.new_path
                    break
                if fc.old_path == path and fc.new_path is None:
                    return None
        return path, line, "new"
    for p in reversed(patches):
        if p.index >= f.patch_index:
            continue
        for fc in p.files:
            if fc.new_path == path:
                if fc.old_path is None:
                    return None  # the file did not exist at the base
                mapped = _file_hunks(fc).new_to_old(line)
                if mapped is None:
                    return None
                line, path = mapped, fc.old_path
                break
    return path, line, "old"


# --- bodies -------------------------------------------------------------------------------


def _short(sha: str | None) -> str:
    return (sha or "")[:12]


def inline_body(f: Finding, series: Series | None = None) -> str:
    """The Markdown of one inline finding (with its hidden fingerprint marker)."""
    parts = [
        f"{SEV_ICON[f.severity]} **{f.rule} {f.name}** ({f.severity.value}, "
        f"{f.confidence} confidence)",
        "",
        f.message,
        "",
        *(["Seen by:", *(f"- {d.line(f.message)}" for d in f.evidence_detail), ""]
          if f.evidence_detail else []),
        f"**Fix:** {f.fix_hint}",
    ]
    if f.fix_draft:
        parts += ["", "```c", f.fix_draft.rstrip("\n"), "```"]
    meta = []
    if f.patch_index is not None:
        total = len(series.patches) if series is not None else 0
        subj = ""
        if series is not None:
            subj = next((p.subject for p in series.patches if p.index == f.patch_index), "")
        meta.append(
            f"patch {f.patch_index}/{total}" + (f" `{_short(f.commit)}` {subj}" if f.commit else "")
        )
    if f.doc_url:
        meta.append(f"[rule documentation]({f.doc_url})")
    if meta:
        parts += ["", " · ".join(meta)]
    parts += ["", FP_MARKER.format(fp=finding_fingerprint(f))]
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a finding ended up: an inline thread (url/discussion) or the summary (why)."""

    finding: Finding
    discussion_id: str = ""
    why_summary: str = ""


def summary_body(
    report: Report,
    placed: Sequence[Placed],
    *,
    verdict_value: str,
    version_id: int | None = None,
    resolved: int = 0,
    dismissed: int = 0,
) -> str:
    """The one summary note (edited in place on every run)."""
    s = report.series
    counts = count_by_severity(report.findings)
    lines = [VERDICT_TEXT[verdict_value], ""]
    rng = f"`{_short(s.base)}..{_short(s.head)}` ({plural(len(s.patches), 'commit')})"
    ver = f", MR version {version_id}" if version_id is not None else ""
    lines.append(f"Reviewed {rng}{ver}.")
    if report.findings:
        n_err = plural(counts[Severity.ERROR], "error")
        n_warn = plural(counts[Severity.WARNING], "warning")
        n_note = plural(counts[Severity.NOTE], "note")
        lines.append(f"{plural(len(report.findings), 'finding')}: {n_err}, {n_warn}, {n_note}.")
    inline = [p for p in placed if p.discussion_id]
    rest = [p for p in placed if not p.discussion_id]
    if inline:
        lines.append(f"{plural(len(inline), 'finding')} commented inline on the diff.")
    if resolved:
        lines.append(f"{plural(resolved, 'earlier thread')} resolved: no longer found.")
    if dismissed:
        lines.append(
            f"{plural(dismissed, 'finding')} still present in threads a reviewer resolved."
        )
    if rest:
        lines += ["", "| | rule | where | finding |", "|---|---|---|---|"]
        for p in rest:
            f = p.finding
            where = f"`{f.path}:{f.line}`" + (f" (patch {f.patch_index})" if f.patch_index else "")
            msg = f.message.replace("|", "\\|").replace("\n", " ")
            for d in f.evidence_detail:  # one line each inside the table cell
                msg += "<br>" + d.line(f.message).replace("|", "\\|").replace("\n", " ")
            hint = f.fix_hint.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {SEV_ICON[f.severity]} | {f.rule} {f.name} | {where} | {msg} — *fix:* {hint}"
                f" <!-- {p.why_summary} --> |"
            )
    if not report.findings:
        lines.append("No migration impact found.")
    if report.stats.skipped_reason:
        lines.append(f"Skipped: {report.stats.skipped_reason}.")
    lines += [
        "",
        "<sub>Posted by migcheck; this note is updated on every push. "
        "Comment `/check-migration` (or `/check-migration --build`) to run it again.</sub>",
        f"<!-- migcheck:summary verdict={verdict_value} head={s.head} -->",
    ]
    return "\n".join(lines)


def render(report: Report) -> str:
    """The summary note as it would be posted with every finding in the summary."""
    placed = [Placed(f, why_summary="not posted") for f in report.findings]
    return summary_body(report, placed, verdict_value=verdict(report.findings, "error")) + "\n"


# --- publishing ---------------------------------------------------------------------------


@dataclass(slots=True)
class PublishResult:
    """What one publish run did."""

    verdict: str = "clean"
    previous_verdict: str = ""
    posted: int = 0
    edited: int = 0
    unchanged: int = 0
    resolved: int = 0
    reopened: int = 0
    in_summary: int = 0
    rejected: int = 0
    summary_note_id: int = 0
    verdict_note: bool = False
    threads: dict[str, str] = field(default_factory=dict)  # fingerprint -> discussion id


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _is_position_error(exc: Exception) -> bool:
    code = getattr(exc, "response_code", None)
    return code == 400


def publish(
    mr: Any,
    report: Report,
    diff: DiffIndex,
    *,
    bot_user_id: int,
    cap: int,
    fail_on: str,
    version_id: int | None = None,
    on_thread: Callable[[str, str, int, str], None] | None = None,
) -> PublishResult:
    """Synchronise the MR's comments with the report (see the module docstring)."""
    res = PublishResult(verdict=verdict(report.findings, fail_on))
    series = report.series

    # Existing state, read in full: discussions with our fingerprint markers.
    existing: dict[str, Any] = {}  # fp -> discussion
    for d in mr.discussions.list(get_all=True):
        notes = _attr(d, "attributes", {}).get("notes") or []
        if not notes:
            continue
        first = notes[0]
        if (first.get("author") or {}).get("id") != bot_user_id:
            continue
        m = FP_RE.search(first.get("body") or "")
        if m and m.group(1) not in existing:
            existing[m.group(1)] = d

    # Order: most severe first, then by patch, so the cap keeps what matters.
    findings: list[Finding] = []
    seen: set[str] = set()
    for f in sorted(
        report.findings, key=lambda f: (-f.severity.rank, f.patch_index or 0, f.path, f.line)
    ):
        fp = finding_fingerprint(f)
        if fp not in seen:
            seen.add(fp)
            findings.append(f)

    placed: list[Placed] = []
    dismissed = 0
    for f in findings:
        fp = finding_fingerprint(f)
        body = inline_body(f, series)
        d = existing.get(fp)
        if d is not None:
            first = d.attributes["notes"][0]
            human_resolved = bool(first.get("resolved")) and RESOLVED_MARK not in (
                first.get("body") or ""
            )
            if human_resolved:
                dismissed += 1
                res.unchanged += 1
                placed.append(Placed(f, discussion_id=str(d.id)))
                continue
            if (first.get("body") or "") != body:
                note = d.notes.get(first["id"])
                note.body = body
                note.save()
                res.edited += 1
            else:
                res.unchanged += 1
            if first.get("resolved"):
                d.resolved = False
                d.save()
                res.reopened += 1
            res.threads[fp] = str(d.id)
            if on_thread:
                on_thread(fp, str(d.id), int(first["id"]), "open")
            placed.append(Placed(f, discussion_id=str(d.id)))
            continue
        where = anchor(f, series)
        pos = diff.position(*where) if where else None
        if pos is None:
            placed.append(Placed(f, why_summary="line not in the MR diff"))
            res.in_summary += 1
            continue
        if res.posted >= cap:
            placed.append(Placed(f, why_summary="over the inline comment cap"))
            res.in_summary += 1
            continue
        try:
            created = mr.discussions.create({"body": body, "position": pos})
        except Exception as exc:
            if not _is_position_error(exc):
                raise
            log.warning("GitLab rejected the position of %s at %s: %s", f.rule, pos, exc)
            res.rejected += 1
            res.in_summary += 1
            placed.append(Placed(f, why_summary="GitLab rejected the position"))
            continue
        res.posted += 1
        did = str(created.id)
        res.threads[fp] = did
        note_id = int((created.attributes.get("notes") or [{}])[0].get("id") or 0)
        if on_thread:
            on_thread(fp, did, note_id, "open")
        placed.append(Placed(f, discussion_id=did))

    # Threads whose finding disappeared: resolve (marking the note so a return re-opens it).
    current = {finding_fingerprint(f) for f in findings}
    for fp, d in existing.items():
        if fp in current:
            continue
        first = d.attributes["notes"][0]
        if first.get("resolved"):
            continue
        note = d.notes.get(first["id"])
        note.body = (
            (first.get("body") or "")
            + f"\n\n_No longer found as of `{_short(series.head)}`; resolved by migcheck._\n"
            + RESOLVED_MARK
        )
        note.save()
        d.resolved = True
        d.save()
        res.resolved += 1
        if on_thread:
            on_thread(fp, str(d.id), int(first["id"]), "resolved")

    # The summary note, edited in place; a short new note when the verdict changes.
    body = summary_body(
        report,
        placed,
        verdict_value=res.verdict,
        version_id=version_id,
        resolved=res.resolved,
        dismissed=dismissed,
    )
    summary = None
    for n in mr.notes.list(get_all=True, sort="asc", order_by="created_at"):
        author = _attr(n, "author", {}) or {}
        if author.get("id") == bot_user_id and SUMMARY_RE.search(n.body or ""):
            summary = n
            break
    if summary is None:
        summary = mr.notes.create({"body": body})
    else:
        m = SUMMARY_RE.search(summary.body or "")
        res.previous_verdict = m.group(1) if m else ""
        if summary.body != body:
            summary.body = body
            summary.save()
    res.summary_note_id = int(summary.id)
    if res.previous_verdict and res.previous_verdict != res.verdict:
        mr.notes.create(
            {
                "body": f"migcheck verdict changed at `{_short(series.head)}`: "
                f"{res.previous_verdict} → **{res.verdict}**. "
                f"{VERDICT_TEXT[res.verdict]} (details in the summary note above)\n"
                + VERDICT_MARKER
            }
        )
        res.verdict_note = True
    return res
