"""GitLab merge request reporter: inline discussions, one summary note.

Idempotent by construction: every note carries hidden markers on its last lines
(`<!-- migcheck:fp=... -->` for an inline finding, `<!-- migcheck:summary ... -->` for the
summary); they are trusted only there and only in notes by the bot user, and everything a
series or a user wrote is escaped (gitlab_md) so no note can carry a marker the bot did not
put there. On every run the MR's discussions are read in full (get_all=True) and matched by
marker: what is posted and unchanged is skipped, what changed is edited, this bot's threads
whose finding disappeared are resolved, new findings are posted (at most `cap` new threads
per run; the rest go to the summary). Findings whose line is not in the diff GitLab renders
go to the summary, as do findings whose position GitLab rejects (400). A thread GitLab
resolved because a push changed its line is re-opened while its finding stays; one a
reviewer resolved is left alone. Creates survive "saved, then 5xx" (gitlab_writes), and a
403 on resolving (the bot is not a Developer) is a warning in the summary, not a failure.

Positions follow GitLab's rules: added line -> new_line, removed line -> old_line, context
line -> both, new file -> never old_line; an unchanged line outside the hunks of a changed
file gets both (GitLab unfolds the diff around it). They are computed with unidiff from the
MR version's diffs (lines split on "\n" only, like git), and a patch-level finding's line is
first carried to the base (old side) or head (new side) through the later/earlier patches of
the series (bot/reporters/anchor.py).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import gitlab
from unidiff.patch import PatchSet

from bot.findings import Finding, Severity
from bot.report import Report, reaches
from bot.reporters import gitlab_md as md
from bot.reporters.anchor import anchor
from bot.reporters.common import count_by_severity, finding_fingerprint, plural
from bot.reporters.gitlab_writes import NO_RETRY, create_once, set_resolved
from bot.series import Series

log = logging.getLogger("migcheck.gitlab")

FP_MARKER = "<!-- migcheck:fp={fp} -->"
FP_RE = re.compile(r"<!-- migcheck:fp=([0-9A-Za-z_-]+) -->")
SUMMARY_RE = re.compile(r"<!-- migcheck:summary verdict=(\w+) head=(\w*) -->")
RESOLVED_MARK = "<!-- migcheck:auto-resolved -->"
_MARKER_LINE = re.compile(r"<!-- migcheck:[\w:=. -]*? -->")
OUTDATED_PREFIXES = ("changed this line in", "changed this file in")


def markers(body: str) -> list[str]:
    """The hidden markers of a note: its trailing lines that are nothing but a marker.

    Markers are trusted only there, and only in the bot's own notes (callers check the
    author): every text a user controls is escaped before it is posted (gitlab_md), and the
    trailing block is written by the bot alone."""
    found: list[str] = []
    for line in reversed((body or "").rstrip().split("\n")):
        if not _MARKER_LINE.fullmatch(line.strip()):
            break
        found.append(line.strip())
    return found


def marker_match(body: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first trailing marker of `body` matching `pattern`."""
    for m in markers(body):
        hit = pattern.fullmatch(m)
        if hit:
            return hit
    return None


def with_markers(content: str, *marks: str) -> str:
    """A note body: the content, then the markers, one per line, at the very end."""
    return content.rstrip("\n") + "\n\n" + "\n".join(marks)

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
    hunks: list[tuple[int, int, int, int]] = field(default_factory=list)  # o, olen, n, nlen


class DiffIndex:
    """The lines GitLab renders for one MR version, addressable by (path, line, side)."""

    def __init__(self, files: Sequence[_FileDiff], refs: Mapping[str, str]) -> None:
        self.refs = dict(refs)
        self._by_new = {f.new_path: f for f in files if not f.deleted_file}
        self._by_old = {f.old_path: f for f in files if not f.new_file}
        self._sizes: dict[tuple[str, str], int] = {}

    def know_sizes(self, series: Series) -> None:
        """Learn the base and head line counts of changed files (from the folded change), so
        unchanged lines outside the hunks can be positioned too (GitLab unfolds the diff
        around them: lib/gitlab/diff/lines_unfolder.rb)."""
        for fc in series.folded:
            if fc.old_path is not None and fc.old is not None:
                self._sizes[(fc.old_path, "old")] = _count_lines(fc.old)
            if fc.new_path is not None and fc.new is not None:
                self._sizes[(fc.new_path, "new")] = _count_lines(fc.new)

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
                        fd.hunks.append((hunk.source_start, hunk.source_length,
                                         hunk.target_start, hunk.target_length))
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
            dl = self._unfolded(fd, line, side)
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


    def _unfolded(self, fd: _FileDiff, line: int, side: str) -> DiffLine | None:
        """An unchanged line outside every hunk of a file present on both sides."""
        if fd.new_file or fd.deleted_file or not fd.hunks:
            return None
        old_size = self._sizes.get((fd.old_path, "old"))
        new_size = self._sizes.get((fd.new_path, "new"))
        if old_size is None or new_size is None:
            return None
        delta = 0
        for o1, olen, n1, nlen in sorted(fd.hunks):
            o_start = o1 if olen else o1 + 1
            n_start = n1 if nlen else n1 + 1
            start, length = (n_start, nlen) if side == "new" else (o_start, olen)
            if line < start:
                break
            if line < start + length:
                return None  # inside a hunk, but not one of its lines: not renderable
            delta = (n_start + nlen) - (o_start + olen)
        old_line, new_line = (line - delta, line) if side == "new" else (line, line + delta)
        if not (1 <= old_line <= old_size and 1 <= new_line <= new_size):
            return None
        return DiffLine("context", old_line, new_line)


def _count_lines(data: bytes) -> int:
    """Lines as git and GitLab count them: split on \\n only (a form feed is no line end)."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


# --- bodies -------------------------------------------------------------------------------


def _short(sha: str | None) -> str:
    return (sha or "")[:12]


def _inline_content(f: Finding, series: Series | None = None) -> str:
    parts = [
        f"{SEV_ICON[f.severity]} **{f.rule} {md.text(f.name)}** ({f.severity.value}, "
        f"{md.text(f.confidence)} confidence)",
        "",
        md.text(f.message),
        "",
        *([f"**Accepted:** {md.text(f.waived.line(), one_line=True)}", ""] if f.waived else []),
        *(["Seen by:", *(f"- {md.text(d.line(f.message), one_line=True)}"
                         for d in f.evidence_detail), ""]
          if f.evidence_detail else []),
        f"**Fix:** {md.text(f.fix_hint)}",
    ]
    if f.fix_draft:
        parts += ["", md.block(f.fix_draft, "c")]
    if f.fix_check:
        parts += ["", f"*{md.text(f.fix_check, one_line=True)}*"]
    meta = []
    if f.patch_index is not None:
        total = len(series.patches) if series is not None else 0
        subj, merged_by = "", ""
        inner = series.commit_patch(f.commit) if series is not None else None
        if inner is not None and inner.merged_by:  # a pull request: the commit inside it
            subj = f"{inner.subject} ({inner.author})"
            merged_by = f", merged by `{_short(inner.merged_by)}`"
        elif series is not None:
            subj = next((p.subject for p in series.patches if p.index == f.patch_index), "")
        where = f" `{_short(f.commit)}` {md.text(subj, one_line=True)}{merged_by}"
        meta.append(f"patch {f.patch_index}/{total}" + (where if f.commit else ""))
    if f.doc_url:
        meta.append(f"[rule documentation]({f.doc_url})")
    if meta:
        parts += ["", " · ".join(meta)]
    return "\n".join(parts)


def inline_body(f: Finding, series: Series | None = None) -> str:
    """The Markdown of one inline finding (with its hidden fingerprint marker)."""
    return with_markers(_inline_content(f, series), FP_MARKER.format(fp=finding_fingerprint(f)))


def resolved_body(f_body: str, fp: str, head: str) -> str:
    """The note of a thread migcheck resolved: the finding, why, and both markers."""
    content = f_body
    for m in markers(f_body):
        content = content.rstrip().removesuffix(m)
    content = content.rstrip()
    return with_markers(
        content + f"\n\n_No longer found as of `{_short(head)}`; resolved by migcheck._",
        FP_MARKER.format(fp=fp),
        RESOLVED_MARK,
    )


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
    not_resolved: int = 0,
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
    if not_resolved:
        lines.append(
            f"{plural(not_resolved, 'thread')} could not be resolved or re-opened: the bot "
            "user needs the Developer role on this project."
        )
    if dismissed:
        lines.append(
            f"{plural(dismissed, 'finding')} still present in threads a reviewer resolved."
        )
    if rest:
        lines += ["", "| | rule | where | finding |", "|---|---|---|---|"]
        for p in rest:
            f = p.finding
            where = md.code(f"{f.path}:{f.line}") + (
                f" (patch {f.patch_index})" if f.patch_index else ""
            )
            msg = md.text(f.message, one_line=True)
            if f.waived is not None:
                msg += "<br>" + md.text(f.waived.line(), one_line=True)
            for d in f.evidence_detail:  # one line each inside the table cell
                msg += "<br>" + md.text(d.line(f.message), one_line=True)
            hint = md.text(f.fix_hint, one_line=True)
            lines.append(
                f"| {SEV_ICON[f.severity]} | {f.rule} {md.text(f.name)} | {where} | {msg} — "
                f"*fix:* {hint} ({p.why_summary}) |"
            )
    if not report.findings:
        lines.append("No migration impact found.")
    if report.stats.skipped_reason:
        lines.append(f"Skipped: {md.text(report.stats.skipped_reason, one_line=True)}.")
    if report.against:
        c = report.against
        bad = [x for x in c if not x.ok]
        machines = len({x.machine for x in c})
        lines += ["", f"Migration against {md.code(c[0].version)}: "
                  f"{plural(machines, 'machine type')}, {len(c) - len(bad)} of "
                  f"{plural(len(c), 'migration')} ok."]  # fmt: skip
        for x in bad[:10]:
            way = "release→head" if x.direction == "old->new" else "head→release"
            too = " (the base build too)" if x.base_too else ""
            lines.append(f"- {md.code(x.machine)} {way} failed{too}: "
                         f"{md.text(x.error[:200], one_line=True)}")  # fmt: skip
    if report.stats.waiver_notes:
        lines += ["", "Waivers:"]
        lines += [f"- {md.text(n, one_line=True)}" for n in report.stats.waiver_notes]
    lines += [
        "",
        "<sub>Posted by migcheck; this note is updated on every push. "
        "Comment `/check-migration` (or `/check-migration --build`) to run it again, "
        "`/migcheck accept RULE reason` to accept a finding on purpose.</sub>",
    ]
    return with_markers(
        "\n".join(lines), f"<!-- migcheck:summary verdict={verdict_value} head={s.head} -->"
    )


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
    not_resolved: int = 0  # resolve/re-open refused (403: the bot is not a Developer)
    duplicates_removed: int = 0
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


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def resolved_by_push(notes: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a resolved thread was resolved by GitLab on a push that changed its line (the
    project's resolve_outdated_diff_discussions): the REST API does not expose
    resolved_by_push, but GitLab adds a system note "changed this line in version N of the
    diff" by the pusher in the same transaction (update_diff_position_service.rb)."""
    first = notes[0]
    if not first.get("resolved"):
        return False
    by = (first.get("resolved_by") or {}).get("id")
    at = _when(first.get("resolved_at"))
    for n in notes[1:]:
        if not n.get("system") or not str(n.get("body") or "").startswith(OUTDATED_PREFIXES):
            continue
        if (n.get("author") or {}).get("id") != by:
            continue
        sys_at = _when(n.get("created_at"))
        if at is None or sys_at is None or abs((sys_at - at).total_seconds()) <= 5:
            return True
    return False


def _ours(d: Any, bot_user_id: int) -> tuple[str, Mapping[str, Any]] | None:
    """(fingerprint, first note) of a thread this bot opened, else None."""
    notes = _attr(d, "attributes", {}).get("notes") or []
    if not notes:
        return None
    first = notes[0]
    if (first.get("author") or {}).get("id") != bot_user_id:
        return None
    m = marker_match(first.get("body") or "", FP_RE)
    return (m.group(1), first) if m else None


def _bot_threads(mr: Any, bot_user_id: int) -> dict[str, list[Any]]:
    """fingerprint -> this bot's threads carrying it (the first one is kept)."""
    out: dict[str, list[Any]] = {}
    for d in mr.discussions.list(get_all=True):
        hit = _ours(d, bot_user_id)
        if hit:
            out.setdefault(hit[0], []).append(d)
    return out


def _find_thread(mr: Any, bot_user_id: int, fp: str) -> Any:
    return (_bot_threads(mr, bot_user_id).get(fp) or [None])[0]


def _find_note(mr: Any, bot_user_id: int, pattern: re.Pattern[str]) -> Any:
    for n in mr.notes.list(get_all=True, sort="asc", order_by="created_at"):
        author = _attr(n, "author", {}) or {}
        if author.get("id") == bot_user_id and marker_match(n.body or "", pattern):
            return n
    return None


def create_note(mr: Any, body: str, *, bot_user_id: int, marker: re.Pattern[str]) -> Any:
    """Post a top-level note once, even when GitLab saves it and then answers 5xx."""
    return create_once(
        lambda: mr.notes.create({"body": body}, **NO_RETRY),
        lambda: _find_note(mr, bot_user_id, marker),
        what="a note",
    )


def _remove_duplicate(mr: Any, d: Any, bot_user_id: int) -> bool:
    """Delete a second thread of the same finding (left by an earlier failed write) when
    only the bot wrote in it."""
    notes = d.attributes.get("notes") or []
    if any((n.get("author") or {}).get("id") != bot_user_id for n in notes):
        return False
    for n in notes:
        with contextlib.suppress(gitlab.exceptions.GitlabDeleteError):
            mr.notes.delete(n["id"])
    return True


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
    diff.know_sizes(series)

    # Existing state, read in full: discussions with our fingerprint markers.
    threads = _bot_threads(mr, bot_user_id)
    existing: dict[str, Any] = {fp: ds[0] for fp, ds in threads.items()}
    for ds in threads.values():
        for dup in ds[1:]:
            if _remove_duplicate(mr, dup, bot_user_id):
                res.duplicates_removed += 1

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
            notes = d.attributes["notes"]
            first = notes[0]
            ours_resolved = RESOLVED_MARK in markers(first.get("body") or "")
            human_resolved = (
                bool(first.get("resolved")) and not ours_resolved and not resolved_by_push(notes)
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
                if set_resolved(d, False):
                    res.reopened += 1
                else:
                    res.not_resolved += 1
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
            created = create_once(
                lambda body=body, pos=pos: mr.discussions.create(  # type: ignore[misc]
                    {"body": body, "position": pos}, **NO_RETRY
                ),
                lambda fp=fp: _find_thread(mr, bot_user_id, fp),  # type: ignore[misc]
                what=f"the thread of {f.rule}",
            )
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
        body = resolved_body(first.get("body") or "", fp, series.head)
        if body != first.get("body"):
            note = d.notes.get(first["id"])
            note.body = body
            note.save()
        if not set_resolved(d, True):
            res.not_resolved += 1
            continue
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
        not_resolved=res.not_resolved,
    )
    summary = _find_note(mr, bot_user_id, SUMMARY_RE)
    if summary is None:
        summary = create_note(mr, body, bot_user_id=bot_user_id, marker=SUMMARY_RE)
    else:
        m = marker_match(summary.body or "", SUMMARY_RE)
        res.previous_verdict = m.group(1) if m else ""
        if summary.body != body:
            summary.body = body
            summary.save()
    res.summary_note_id = int(summary.id)
    if res.previous_verdict and res.previous_verdict != res.verdict:
        change = f"<!-- migcheck:verdict head={series.head} -->"
        create_note(
            mr,
            with_markers(
                f"migcheck verdict changed at `{_short(series.head)}`: "
                f"{res.previous_verdict} → **{res.verdict}**. "
                f"{VERDICT_TEXT[res.verdict]} (details in the summary note above)",
                change,
            ),
            bot_user_id=bot_user_id,
            marker=re.compile(re.escape(change)),
        )
        res.verdict_note = True
    return res
