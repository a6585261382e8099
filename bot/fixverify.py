"""`--verify-fix` from source: apply each finding's draft to the head tree, review again.

Pure given its inputs (the head files come through `read_head`): the draft's edits
(`Finding.fix_edits`) are applied to the head bytes in memory, the series is reviewed
again with the edited files as part of it, and the draft counts as verified when the
finding is gone and no finding appears that the series did not already have. Each finding
with a draft gets `fix_check`: "fix verified from source", or why not.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

from bot.analyze import ExtractFn, analyze
from bot.engine.spec import ReleaseBaseline, Rule, TreeView
from bot.findings import Finding, Severity
from bot.fixedit import DraftEdit, EditError, MissingPart, apply_edits, edited_paths
from bot.model.entities import FileModel, StructDef
from bot.model.layout import resolve_member, type_key
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


_FILL_IN = re.compile(r"/\* fill in: (.*?) \*/", re.S)
_ARROW = re.compile(r"\b([A-Za-z_]\w*)\s*->\s*([A-Za-z_]\w*)")
_CONTAINER_ARROW = re.compile(
    r"container_of\(\s*\w+\s*,\s*(?:struct\s+)?(\w+)\s*,[^()]*\)\s*->\s*([A-Za-z_]\w*)"
)


def _var_type(var: str, text: str, fm: FileModel | None, line: int) -> str | None:
    """The struct `var` points to: declared in the draft's own text, else a parameter or
    pointer variable of the drafted function around `line`."""
    m = re.search(rf"(?:struct\s+)?(\w+)\s*\*\s*{re.escape(var)}\s*=", text)
    if m is not None:
        return m.group(1)
    if fm is None:
        return None
    around = [n for n, a, b in fm.functions if a <= line <= b]
    for fi in fm.function_infos:
        if fi.name in around:
            for t, n in (*fi.params, *fi.decls):
                if n == var and "*" not in t.replace("*", "", 1):
                    return type_key(t.replace("*", " "))
    return None


def member_problems(
    edits: tuple[DraftEdit, ...], models: Mapping[str, FileModel], tree: TreeView | None
) -> list[str]:
    """`s->member` in the drafted code whose struct (known to the drafted files or the tree)
    has no such member: the draft would not compile."""

    def look(name: str) -> StructDef | None:
        key = type_key(name)
        for fm in models.values():
            for sd in fm.structs:
                if sd.name == key or key in sd.aliases:
                    return sd
        return tree.struct(key) if tree is not None else None

    out: list[str] = []
    for e in edits:
        if e.op not in ("wrap", "insert", "replace", "sub"):
            continue
        text = f"{e.text}\n{e.orelse}"
        refs = [(t, m) for t, m in _CONTAINER_ARROW.findall(text)]
        for var, member in _ARROW.findall(text):
            t = _var_type(var, text, models.get(e.path), e.line)
            if t is not None:
                refs.append((t, member))
        for t, member in refs:
            if look(t) is not None and resolve_member(look, t, member) is None:
                out.append(f"{t} has no member {member}")
    return sorted(set(out))


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
    release: ReleaseBaseline | None = None,
) -> str:
    """"fix verified from source" or why not, for one finding with a draft."""
    if not finding.fix_edits:
        return "fix not verified: the draft is guidance, not placed in the tree"
    blanks = sorted({m.group(1) for e in finding.fix_edits
                     for m in _FILL_IN.finditer(f"{e.text}\n{e.orelse}")})  # fmt: skip
    if blanks:
        return f"fix not verified: the draft leaves {blanks[0]} to fill in"
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
        drafted_models = {p: ex(p, b, None) for p, b in drafted.files.items()}
        try:
            tree = _with_files(new_tree, drafted_models)
        except ValueError as exc:
            return f"fix not verified: the drafted tree cannot be indexed ({exc})"
        missing = member_problems(finding.fix_edits, drafted_models, tree)
        if missing:
            return f"fix not verified: the draft names members that do not exist ({missing[0]})"
    after = analyze(drafted.series, rules=rules, old_tree=old_tree, new_tree=tree,
                    extract=extract, release=release)  # fmt: skip
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
    release: ReleaseBaseline | None = None,
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
                               extract=extract, release=release)  # fmt: skip
        out.append(dataclasses.replace(f, fix_check=check))
    return dataclasses.replace(report, findings=tuple(out))
