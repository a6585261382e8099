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
   finds comparing the base with itself are the base's and only counted (Stats.preexisting).

Which findings matter is the front end's choice, made with the one threshold function
`bot.report.reaches` (exit code, MR verdict, mail replies).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.analyze import analyze, is_reviewable
from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
from bot.engine.merge import merge_evidence, tree_locator, tree_wire_names
from bot.engine.spec import Rule
from bot.engine.touched import touched_device_types
from bot.errors import InputError
from bot.index import build_index, models_for_files
from bot.model.tree import TreeIndex
from bot.report import Report
from bot.series import Series

# (phase, done, total, detail): the artifact layer's progress events (bot.artifacts.build).
Progress = Callable[[str, int, int, str], None]


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """How to review a series: where the trees come from and which layers run."""

    repo: str | None = None  # git repository holding base and head; None: changed files only
    cache_dir: Path | None = None  # whole-tree index cache; None: changed files only
    rules: tuple[Rule, ...] | None = None  # default: every registered rule
    artifacts: ArtifactOptions | None = None  # None: source analysis only
    touched_devices: bool = True  # add the device types the series touches to the migration


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/migcheck, else ~/.cache/migcheck."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "migcheck"


def _needs_analysis(series: Series) -> bool:
    """Whether any change is a reviewable C file (else the index is not worth building)."""
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


def build_trees(repo_path: str, series: Series, cache_dir: Path) -> tuple[TreeIndex, TreeIndex]:
    """(old_tree, new_tree) of a series from the cached whole-tree index."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the index cache directory: {exc.strerror or exc}",
            input_name=str(cache_dir),
            hint="pass --cache-dir DIR (a writable directory) or --no-index",
        ) from exc
    base_index = build_index(repo_path, series.base, cache_dir)
    changed = models_for_files(repo_path, series.head, changed_sources(series), cache_dir)
    return base_index, base_index.with_files(changed)


def review(series: Series, options: ReviewOptions, *, progress: Progress | None = None) -> Report:
    """Review one series: source analysis, the artifact layer when asked, merged findings.

    `progress` receives the artifact layer's phase events (room for more phases later).
    """
    old_tree: TreeIndex | None = None
    new_tree: TreeIndex | None = None
    if options.repo is not None and options.cache_dir is not None and _needs_analysis(series):
        old_tree, new_tree = build_trees(options.repo, series, options.cache_dir)
    report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=options.rules)
    if options.artifacts is None:
        return report
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
    findings = merge_evidence(report.findings, run.findings, tree_wire_names(old_tree, new_tree))
    stats = dataclasses.replace(report.stats, touched_devices=touched, preexisting=run.preexisting)
    return dataclasses.replace(report, findings=findings, stats=stats)
