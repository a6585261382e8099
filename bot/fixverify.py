"""`--verify-fix` from source: apply each finding's draft to the head tree, review again.

Pure given its inputs (the head files come through `read_head`): the draft's edits
(`Finding.fix_edits`) are applied to the head bytes in memory, the series is reviewed
again with the edited files as part of it, and the draft counts as verified when the
finding is gone and no finding appears that the series did not already have. Each finding
with a draft gets `fix_check`: "fix verified from source", or why not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from bot.analyze import ExtractFn, analyze
from bot.engine.spec import Rule, TreeView
from bot.findings import Finding, Severity
from bot.fixedit import DraftEdit, EditError, MissingPart, apply_edits, edited_paths
from bot.model.entities import FileModel
from bot.report import Report
from bot.series import FileChange, Patch, Series, hunks_from_bytes

VERIFIED = "fix verified from source"
ReadHead = Callable[[str], bytes | None]


@dataclasses.dataclass(frozen=True, slots=True)
class DraftTree:
    """The series with one draft applied: the edited head files, by path."""

    series: Series
    files: Mapping[str, bytes]


def apply_draft(
    series: Series, edits: tuple[DraftEdit, ...], read_head: ReadHead | None
) -> DraftTree:
    """The series with `edits` applied on its head side, as one patch.

    Raises EditError when a file is missing or an anchor is not found.
    """
    folded = list(series.folded)
    by_path = {fc.new_path: i for i, fc in enumerate(folded) if fc.new_path}
    files: dict[str, bytes] = {}
    for e in edits:
        if e.op == "missing":
            raise MissingPart(e.text)
    for path in edited_paths(edits):
        mine = tuple(e for e in edits if e.path == path)
        i = by_path.get(path)
        if i is not None:
            fc = folded[i]
            assert fc.new is not None
            new = apply_edits(fc.new, mine)
            folded[i] = dataclasses.replace(fc, new=new, hunks=hunks_from_bytes(fc.old, new))
        else:
            head = read_head(path) if read_head is not None else None
            if head is None and all(e.optional for e in mine):
                continue  # e.g. a struct member in a header the tree does not have
            if head is None:
                raise EditError(f"{path} is not in the reviewed tree")
            new = apply_edits(head, mine)
            folded.append(FileChange(path, path, head, new, hunks_from_bytes(head, new)))
        files[path] = new
    patch = Patch(1, series.head, "migcheck fix draft", "migcheck", tuple(folded))
    drafted = dataclasses.replace(series, patches=(patch,), folded=tuple(folded), merged=())
    return DraftTree(drafted, files)


def _with_files(tree: TreeView | None, models: Mapping[str, FileModel]) -> TreeView | None:
    """The head tree with the drafted files swapped in (as it is when nothing changed)."""
    if tree is None or not models:
        return tree
    return tree.with_files(dict(models))


def verify_one(
    finding: Finding,
    series: Series,
    before: set[str],
    *,
    rules: tuple[Rule, ...] | None,
    old_tree: TreeView | None,
    new_tree: TreeView | None,
    read_head: ReadHead | None,
    extract: ExtractFn | None,
) -> str:
    """"fix verified from source" or why not, for one finding with a draft."""
    if not finding.fix_edits:
        return "fix not verified: the draft is guidance, not placed in the tree"
    try:
        drafted = apply_draft(series, finding.fix_edits, read_head)
    except MissingPart as exc:
        return f"fix not verified: {exc}"
    except EditError as exc:
        return f"fix not verified: the draft does not apply ({exc})"
    tree = new_tree
    if extract is not None or new_tree is not None:
        from bot.model.extract import extract_file

        ex = extract or extract_file
        try:
            tree = _with_files(new_tree, {p: ex(p, b, None) for p, b in drafted.files.items()})
        except ValueError as exc:
            return f"fix not verified: the drafted tree cannot be indexed ({exc})"
    after = analyze(drafted.series, rules=rules, old_tree=old_tree, new_tree=tree,
                    extract=extract)  # fmt: skip
    if after.stats.rule_errors:
        return "fix not verified: a rule failed on the drafted tree"
    still = [f for f in after.findings if f.fingerprint == finding.fingerprint]
    if still:
        return f"fix not verified: {finding.rule} still fires with the draft applied"
    # a new note is no problem (e.g. a property that no versioned machine type sees)
    new = sorted({f"{f.rule} {f.entity}" for f in after.findings
                  if f.fingerprint not in before and f.severity != Severity.NOTE})  # fmt: skip
    if new:
        shown = ", ".join(new[:3]) + (", ..." if len(new) > 3 else "")
        return f"fix not verified: the draft raises {shown}"
    return VERIFIED


def verify_fixes(
    report: Report,
    *,
    rules: tuple[Rule, ...] | None = None,
    old_tree: TreeView | None = None,
    new_tree: TreeView | None = None,
    read_head: ReadHead | None = None,
    extract: ExtractFn | None = None,
    limit: int = 40,
) -> Report:
    """The report with `fix_check` set on every finding that has a draft (up to `limit`
    re-reviews; the rest say they were not tried)."""
    before = {f.fingerprint for f in report.findings}
    out: list[Finding] = []
    done = 0
    for f in report.findings:
        if not f.fix_draft or f.waived is not None:
            out.append(f)
            continue
        if done >= limit:
            check = f"fix not verified: more than {limit} drafts in one series"
        else:
            done += 1
            check = verify_one(f, report.series, before, rules=rules, old_tree=old_tree,
                               new_tree=new_tree, read_head=read_head,
                               extract=extract)  # fmt: skip
        out.append(dataclasses.replace(f, fix_check=check))
    return dataclasses.replace(report, findings=tuple(out))
