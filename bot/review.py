"""The one review use case: `review(series, options) -> Report`.

Every front end (`migcheck check`, `migcheck ci`, the GitLab worker, the mail bot and
`migcheck mail review`) builds a Series, calls review() and renders the Report; no front
end reviews any other way. A review is:

1. source analysis over whole-tree views (base: the cached index of the base revision;
   head: the base index with the series' changed files swapped in; no views without a
   repository or cache dir: rules then see the changed files only);
2. with `options.artifacts`, the artifact layer (build, dump, compare, migrate) on
   base..head, with the device types the series touches added to the real migration and
   artifact findings placed through the source model (the locator);
3. the two merged into one finding per problem (bot.engine.merge), each finding listing
   what every layer saw of it (Finding.evidence_detail); problems the artifact layer also
   finds comparing the base with itself are the base's and only counted (Stats.preexisting);
4. waivers applied (bot.waivers): the series' own `Migration-compat: accept ...` trailers
   and what the front end passes (configuration, GitLab notes, trusted mail replies) turn
   the findings they cover into notes that name who accepted them and why.

With `options.limits` (every front end sets them) step 1 runs in a limited child process
after input caps (bot.bounded); over a limit the report is one `too large to review` finding.

Which findings matter is the front end's choice, made with the one threshold function
`bot.report.reaches` (exit code, MR verdict, mail replies).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import InputError
from bot.findings import Finding, Severity
from bot.report import Report
from bot.series import Series
from bot.waivers import Waiver, apply_waivers, trailer_waivers

if TYPE_CHECKING:
    from bot.artifacts.pipeline import ArtifactOptions, ArtifactRun
    from bot.bounded import AnalysisLimits
    from bot.engine.baseline import ReleaseBaseline
    from bot.engine.spec import Rule
    from bot.model.tree import TreeIndex
    from bot.progress import Progress

# The source analysis (index, model, rules) and the artifact layer are imported where they
# run: with limits the analysis runs in a child process, and the command's process, whose
# start-up every review pays, then needs neither.


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """How to review a series: where the trees come from and which layers run."""

    repo: str | None = None  # git repository holding base and head; None: changed files only
    cache_dir: Path | None = None  # whole-tree index cache; None: changed files only
    rules: tuple[Rule, ...] | None = None  # default: every registered rule
    artifacts: ArtifactOptions | None = None  # None: source analysis only
    touched_devices: bool = True  # add the device types the series touches to the migration
    waivers: tuple[Waiver, ...] = ()  # config, GitLab notes, mail replies (already trusted)
    trailer_waivers: bool = True  # read `Migration-compat: accept ...` trailers of the series
    waiver_notes: tuple[str, ...] = ()  # waivers the front end did not take (who, why): shown
    # Apply each fix draft to the head tree in memory and review again (cheap: source
    # only); with artifacts, also build, dump and migrate the drafted head (not cheap).
    verify_fix: bool = True
    verify_fix_build: bool = False
    # None: source analysis in this process, unbounded (trusted input: tests, benches);
    # the front ends pass limits (bot.bounded): input caps and a limited child process
    limits: AnalysisLimits | None = None


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/migcheck, else ~/.cache/migcheck."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "migcheck"


def _needs_analysis(series: Series) -> bool:
    """Whether any change is a reviewable C file (else the index is not worth building)."""
    from bot.analyze import is_reviewable

    changes = [*series.folded, *(fc for p in series.patches for fc in p.files)]
    return any(
        not fc.binary and (is_reviewable(fc.old_path) or is_reviewable(fc.new_path))
        for fc in changes
    )


def changed_sources(series: Series) -> list[str]:
    """Every .c/.h path the series adds, changes, deletes or renames (both names)."""
    paths: dict[str, None] = {}
    for fc in series.folded:
        for path in (fc.old_path, fc.new_path):
            if path and path.endswith((".c", ".h")):
                paths[path] = None
    return list(paths)


@dataclass(frozen=True, slots=True)
class TreeCounts:
    """Files behind a series' two trees: how many, and how many came from the cache."""

    files: int = 0
    cached: int = 0


def build_trees(
    repo_path: str, series: Series, cache_dir: Path, progress: Progress | None = None
) -> tuple[TreeIndex, TreeIndex, TreeCounts]:
    """(old_tree, new_tree, counts) of a series from the cached whole-tree index."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the index cache directory: {exc.strerror or exc}",
            input_name=str(cache_dir),
            hint="pass --cache-dir DIR (a writable directory) or --no-index",
        ) from exc
    from bot.index import LoadCounts, build_index, models_for_files

    base_index = build_index(repo_path, series.base, cache_dir, progress=progress)
    head_counts = LoadCounts()
    changed = models_for_files(
        repo_path, series.head, changed_sources(series), cache_dir, counts=head_counts
    )
    st = base_index.stats  # distinct C files (blobs) of the base tree, parsed or cached
    files, cached = (st.blobs, st.cache_hits) if st is not None else (0, 0)
    counts = TreeCounts(files + head_counts.cached + head_counts.parsed,
                        cached + head_counts.cached)  # fmt: skip
    return base_index, base_index.with_files(changed), counts


def _lowerable(report: Report, rules: tuple[Rule, ...] | None) -> bool:
    """Whether the release baseline could change a finding: an error or warning of a rule
    whose severity follows what shipped (not a self-consistency defect, `any_reach`)."""
    if rules is None:
        from rules import load_rules

        rules = load_rules()
    fixed = {r.spec.id for r in rules if r.spec.any_reach}
    return any(f.severity != Severity.NOTE and f.rule not in fixed for f in report.findings)


def release_baseline(
    repo_path: str, series: Series, cache_dir: Path, progress: Progress | None = None
) -> ReleaseBaseline | None:
    """The last release before the series' base with its whole-tree view (filled with the
    series' changed paths), from the index cache; None when there is none or it is the base."""
    from bot.engine.baseline import ReleaseBaseline
    from bot.index import build_index
    from bot.sources.release import commit_id, last_release

    ref = last_release(repo_path, series.base, cache_dir)
    if ref is None or ref.commit == commit_id(repo_path, series.base):
        return None
    index = build_index(repo_path, ref.commit, cache_dir, progress=progress)
    view = index.view(changed_sources(series))
    return ReleaseBaseline(ref.version, ref.commit, view, ref.tag)


def source_review(
    series: Series, options: ReviewOptions, progress: Progress | None = None
) -> tuple[Report, TreeIndex | None, TreeIndex | None]:
    """(report, old_tree, new_tree) of the source analysis alone, in this process: the
    index views and the rules; stats count every file it needed a model of and its phases."""
    from bot.analyze import analyze
    from bot.fixverify import verify_fixes

    t0 = time.perf_counter()
    old_tree: TreeIndex | None = None
    new_tree: TreeIndex | None = None
    counts: TreeCounts | None = None
    phases: list[tuple[str, float]] = []
    if options.repo is not None and options.cache_dir is not None and _needs_analysis(series):
        old_tree, new_tree, counts = build_trees(options.repo, series, options.cache_dir,
                                                 progress)  # fmt: skip
        phases.append(("index", time.perf_counter() - t0))
    t1 = time.perf_counter()
    report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=options.rules)
    phases.append(("analysis", time.perf_counter() - t1))
    release: ReleaseBaseline | None = None
    if old_tree is not None and _lowerable(report, options.rules):
        # Only now is the last release's tree worth its index (one per development cycle,
        # then cached): it can only turn errors and warnings into notes.
        assert options.repo is not None and options.cache_dir is not None
        t1 = time.perf_counter()
        release = release_baseline(options.repo, series, options.cache_dir, progress)
        if release is not None:  # without one the look-up was all (no VERSION, no match)
            report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=options.rules,
                             release=release)  # fmt: skip
            phases.append(("release", time.perf_counter() - t1))
    if options.verify_fix and any(f.fix_draft for f in report.findings):
        t1 = time.perf_counter()
        report = verify_fixes(report, rules=options.rules, old_tree=old_tree,
                              new_tree=new_tree, read_head=_head_reader(options.repo, series),
                              release=release)  # fmt: skip
        phases.append(("verify", time.perf_counter() - t1))
    parsed = report.stats.files_parsed + (counts.files if counts is not None else 0)
    stats = dataclasses.replace(
        report.stats,
        files_parsed=parsed,
        files_cached=counts.cached if counts is not None else None,
        phases=tuple(phases),
    )
    return dataclasses.replace(report, stats=stats), old_tree, new_tree


def review(series: Series, options: ReviewOptions, *, progress: Progress | None = None) -> Report:
    """Review one series: source analysis, the artifact layer when asked, merged findings.

    `progress` hears the long phases (bot.progress): the index's files parsed, the artifact
    layer's builds, dumps and migrations. Stats count every file the run needed a model of
    (files_cached of them from the index cache) and all the time it took (phases). With
    `options.limits` the source analysis runs under them (bot.bounded): over one, the
    report is the one `too large to review` finding and nothing else runs.
    """
    from bot.bounded import LIMIT_RULE, bounded_source_review

    t0 = time.perf_counter()
    old_tree: TreeIndex | None = None
    new_tree: TreeIndex | None = None
    if options.limits is None:
        report, old_tree, new_tree = source_review(series, options, progress)
        phases = list(report.stats.phases)
    else:
        report = bounded_source_review(series, options, options.limits, progress)
        # honest totals: starting the child (an interpreter, imports) is a phase of its own
        inner = sum(sec for _, sec in report.stats.phases)
        phases = [("child", max(0.0, time.perf_counter() - t0 - inner)), *report.stats.phases]
        if any(f.rule == LIMIT_RULE for f in report.findings):
            stats = dataclasses.replace(report.stats, seconds=time.perf_counter() - t0)
            return dataclasses.replace(report, stats=stats)
        if (options.artifacts is not None and options.repo is not None
                and options.cache_dir is not None and _needs_analysis(series)):
            # the child filled the cache: these are loads, not parses
            old_tree, new_tree, _ = build_trees(options.repo, series, options.cache_dir)
    if options.artifacts is not None:
        t1 = time.perf_counter()
        report = _with_artifacts(report, series, options, old_tree, new_tree, progress)
        phases.append(("artifacts", time.perf_counter() - t1))
    report = _waive(report, series, options)
    stats = dataclasses.replace(report.stats, seconds=time.perf_counter() - t0,
                                phases=tuple(phases))  # fmt: skip
    return dataclasses.replace(report, stats=stats)


# Each draft proven by a build costs an incremental rebuild, dumps and two migrations per
# machine type: only the first few drafts already verified from source are tried.
MAX_BUILD_VERIFY = 2


def _verify_by_build(
    findings: tuple[Finding, ...], series: Series, repo: str, art: ArtifactOptions,
    run: ArtifactRun,
) -> tuple[Finding, ...]:
    """`--build --verify-fix`: the drafts verified from source, rebuilt and migrated."""
    from bot.artifacts.pipeline import verify_draft
    from bot.fixedit import EditError
    from bot.fixverify import VERIFIED, apply_draft

    read = _head_reader(repo, series)
    out: list[Finding] = []
    tried = 0
    for f in findings:
        if f.fix_check == VERIFIED and tried < MAX_BUILD_VERIFY:
            tried += 1
            try:
                drafted = apply_draft(series, f.fix_edits, read)
            except EditError as exc:  # applied once already; the tree cannot have changed
                f = dataclasses.replace(f, fix_check=f"fix not verified: {exc}")
            else:
                check = verify_draft(repo, series.head, drafted.files, art, run,
                                     name=f"draft{tried}")  # fmt: skip
                if not check.startswith("fix verified by migration"):
                    check = f"{VERIFIED}; {check.removeprefix('fix ')}"
                f = dataclasses.replace(f, fix_check=check)
        out.append(f)
    return tuple(out)


def _head_reader(repo: str | None, series: Series) -> Callable[[str], bytes | None] | None:
    """Reads a file of the series' head from the repository (None without one)."""
    if repo is None:
        return None
    from bot.index.gitfiles import blob_id_at, open_repo, read_blob, resolve_tree

    git = open_repo(repo)
    tree = resolve_tree(git, series.head)

    def read(path: str) -> bytes | None:
        blob = blob_id_at(tree, path)
        return bytes(read_blob(git, blob).data) if blob is not None else None

    return read


def _waive(report: Report, series: Series, options: ReviewOptions) -> Report:
    """The one place waivers apply (every front end reviews through here)."""
    waivers = list(options.waivers)
    problems = list(options.waiver_notes)
    if options.trailer_waivers:
        from_trailers, bad = trailer_waivers(series)
        waivers = from_trailers + waivers
        problems += bad
    if not waivers and not problems:
        return report
    findings, unused = apply_waivers(report.findings, waivers)
    notes = (*report.stats.waiver_notes, *problems, *unused)
    stats = dataclasses.replace(report.stats, waiver_notes=notes)
    return dataclasses.replace(report, findings=findings, stats=stats)


def _with_artifacts(
    report: Report,
    series: Series,
    options: ReviewOptions,
    old_tree: TreeIndex | None,
    new_tree: TreeIndex | None,
    progress: Progress | None,
) -> Report:
    """The artifact layer's findings merged into the source report."""
    from bot.artifacts.pipeline import run_artifacts
    from bot.engine.merge import merge_evidence, tree_locator, tree_wire_names
    from bot.engine.touched import touched_device_types

    assert options.artifacts is not None
    if options.repo is None:
        raise InputError(
            "the artifact layer needs the repository that holds base and head",
            input_name="--build",
            hint="review a git range (or pass --repo) to build",
        )
    art = options.artifacts
    touched: tuple[str, ...] = ()
    if options.touched_devices and art.migrate:
        have = {d.split(",", 1)[0] for d in art.devices}
        touched = tuple(
            t for t in touched_device_types(series, old_tree, new_tree) if t not in have
        )
    locate = tree_locator(new_tree, old_tree) if new_tree is not None else art.locate
    art = dataclasses.replace(
        art, devices=(*art.devices, *touched), locate=locate, progress=progress or art.progress
    )
    with tempfile.TemporaryDirectory(prefix="migcheck-build-") as scratch:
        # Our own scratch dir unless one was given, so builds, dumps and sockets go away.
        if art.workdir is None:
            art = dataclasses.replace(art, workdir=scratch)
        run = run_artifacts(options.repo, series.base, series.head, art)
        findings = merge_evidence(report.findings, run.findings,
                                  tree_wire_names(old_tree, new_tree))  # fmt: skip
        if options.verify_fix_build:
            findings = _verify_by_build(findings, series, options.repo, art, run)
    stats = dataclasses.replace(report.stats, touched_devices=touched, preexisting=run.preexisting)
    return dataclasses.replace(report, findings=findings, stats=stats, against=run.against)
