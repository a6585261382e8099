"""Review a git range or a mailed series: the I/O wrapper around bot.analyze.analyze().

Gets the Series from a source, builds the whole-tree views (base: the cached index of the
base revision; head: the base index with the series' changed files swapped in) and calls
the pure analysis. With `cache_dir=None` no index is built (fixtures-only mode: rules see
only the changed files, and severities are not graded by reach).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from bot.engine.spec import Rule, TreeView
from bot.errors import InputError
from bot.report import Report
from bot.series import Series


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/migcheck, else ~/.cache/migcheck."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "migcheck"


def _optional_module(name: str) -> ModuleType | None:
    """Import a module that another part of the project may not have delivered yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


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


def build_trees(
    repo_path: str, series: Series, cache_dir: Path | None
) -> tuple[TreeView | None, TreeView | None]:
    """(old_tree, new_tree) for a series; (None, None) without a cache dir or index module."""
    if cache_dir is None:
        return None, None
    index_mod = _optional_module("bot.index")
    if index_mod is None:
        return None, None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the index cache directory: {exc.strerror or exc}",
            input_name=str(cache_dir),
            hint="pass --cache-dir DIR (a writable directory) or --no-index",
        ) from exc
    base_index = index_mod.build_index(repo_path, series.base, cache_dir)
    changed = index_mod.models_for_files(repo_path, series.head, changed_sources(series), cache_dir)
    head_index = base_index.with_files(changed)
    return base_index, head_index


def review_series(
    series: Series,
    *,
    repo_path: str | None,
    cache_dir: Path | None,
    rules: tuple[Rule, ...] | None = None,
) -> Report:
    """Analyse an already-read Series (trees from repo_path's index unless cache_dir None)."""
    report, _, _ = review_series_with_trees(
        series, repo_path=repo_path, cache_dir=cache_dir, rules=rules
    )
    return report


def review_series_with_trees(
    series: Series,
    *,
    repo_path: str | None,
    cache_dir: Path | None,
    rules: tuple[Rule, ...] | None = None,
) -> tuple[Report, TreeView | None, TreeView | None]:
    """review_series() plus the (old, new) trees it used (None when not built), so that the
    artifact layer can place and merge its findings through the same source model."""
    from bot.analyze import analyze

    old_tree: TreeView | None = None
    new_tree: TreeView | None = None
    if repo_path is not None and _needs_analysis(series):
        old_tree, new_tree = build_trees(repo_path, series, cache_dir)
    report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=rules)
    return report, old_tree, new_tree


def review_range(
    repo_path: str,
    spec: str,
    *,
    cache_dir: Path | None,
    rules: tuple[Rule, ...] | None = None,
) -> Report:
    """Review every commit of BASE..HEAD in the repository at repo_path."""
    from bot.sources.gitrange import series_from_range

    series = series_from_range(repo_path, spec)
    return review_series(series, repo_path=repo_path, cache_dir=cache_dir, rules=rules)


def review_patches(
    repo_path: str,
    base: str,
    files: Sequence[str],
    *,
    cache_dir: Path | None,
    rules: tuple[Rule, ...] | None = None,
) -> Report:
    """Apply FILE... (mbox / format-patch) onto BASE and review the result."""
    from bot.sources.patches import applied_series

    with applied_series(repo_path, base, files) as series:
        return review_series(series, repo_path=repo_path, cache_dir=cache_dir, rules=rules)
