"""build_index: the TreeIndex of a revision, from its stored summary, from the summary of
a nearby revision plus the files that differ, or from every file model of the tree."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import MutableMapping, Sequence
from pathlib import Path

import pygit2

from bot.index.cache import DEFAULT_MAX_CACHE_BYTES, ModelCache
from bot.index.codec import decode_model, encode_model
from bot.index.extractor import Extractor, default_extractor, extractor_version
from bot.index.filemodels import GitModels, load_models, models_for_files
from bot.index.gitfiles import (
    C_SUFFIXES,
    changed_c_files,
    list_c_files,
    open_repo,
    read_blob,
    resolve_tree,
)
from bot.index.pool import INPROCESS_THRESHOLD, extract_pool, safe_extract
from bot.index.summary import decode_summary, encode_summary, summary_namespace
from bot.model import entities as E
from bot.model.tree import IndexStats, TreeIndex, _Aggregate
from bot.progress import Progress, no_progress

# One logger for the whole package: operators and tests filter on "bot.index".
log = logging.getLogger("bot.index")


DELTA_CANDIDATES = 12  # summaries tried as the base of a delta (a diff is ~10 ms)


DELTA_NEAREST = 8  # of them, the ones nearest in commit time first; then the recently used


DELTA_GOOD_ENOUGH = 16  # stop looking once one differs in at most this many C files


DELTA_MAX_FILES = 400  # more C files differ: build the whole index instead


DELTA_MAX_PARSE = 16  # more of them not in the model cache: the pool is faster


def build_index(
    repo_path: str,
    rev: str,
    cache_dir: Path,
    jobs: int = 2,
    *,
    extractor: Extractor | None = None,
    suffixes: Sequence[str] = C_SUFFIXES,
    max_cache_bytes: int = DEFAULT_MAX_CACHE_BYTES,
    memo: MutableMapping[str, E.FileModel] | None = None,
    summaries: bool | None = None,
    progress: Progress | None = None,
) -> TreeIndex:
    """Index every C file of `rev`, parsing only blobs the cache does not hold.

    With `summaries` (default: when the default extractor is used) the whole-tree tables
    are also stored per root tree id; a later build of the same tree restores them and
    loads file models only on demand, instead of decoding every cached model.

    `extractor` defaults to bot.model.extract.extract_file; with jobs > 1 it must be a
    module-level function (it is sent to worker processes). Small miss sets and jobs <= 1
    run in this process. `memo` (owned by a long-lived caller such as the service; keyed
    "<extractor version>:<blob id>") skips even the decoding of models seen before; the
    caller bounds its size. `progress` hears ("index", parsed, to parse, path) while files
    the cache does not hold are parsed (bot.progress).
    """
    t0 = time.perf_counter()
    repo = open_repo(repo_path)
    tree = resolve_tree(repo, rev)
    ext = extractor if extractor is not None else default_extractor()
    use_summary = extractor is None if summaries is None else summaries
    ver = extractor_version(ext, Path(cache_dir))
    cache = ModelCache(Path(cache_dir), ver)
    tree_id = str(tree.id)
    when = commit_time(repo, rev)
    if use_summary:
        restored = _from_summary(repo, tree, cache, ext, suffixes, t0)
        if restored is None:
            restored = _from_nearest_summary(repo, tree, cache, ext, suffixes, t0, when)
        if restored is not None:
            return restored
    t1 = time.perf_counter()
    files = list_c_files(tree, suffixes)
    t_list = time.perf_counter() - t1
    try:
        blob_path: dict[str, str] = {}
        for path, blob in files:
            blob_path.setdefault(blob, path)
        models_by_blob: dict[str, E.FileModel] = {}
        prefix = cache.ver + ":"
        if memo is not None:
            for blob in blob_path:
                fm0 = memo.get(prefix + blob)
                if fm0 is not None:
                    models_by_blob[blob] = fm0
        encoded = cache.get_many(b for b in blob_path if b not in models_by_blob)
        t1 = time.perf_counter()
        bad: list[str] = []
        for blob, data in encoded.items():
            try:
                models_by_blob[blob] = decode_model(data)
            except ValueError as exc:
                log.warning("index cache entry %s corrupt (%s); re-parsing", blob, exc)
                bad.append(blob)
        if bad:
            cache.delete(bad)
        t_decode = time.perf_counter() - t1
        hits = len(models_by_blob)
        misses = [(p, b) for b, p in blob_path.items() if b not in models_by_blob]

        t2 = time.perf_counter()
        failed = 0
        not_cached: set[str] = set()
        fresh: list[tuple[str, bytes]] = []
        tell = progress or no_progress
        if misses:
            tell("index", 0, len(misses), f"{hits} of {len(blob_path)} files from the cache")
        if misses and (jobs <= 1 or len(misses) <= INPROCESS_THRESHOLD):
            for i, (path, blob) in enumerate(misses, start=1):
                fm, ok = safe_extract(ext, path, read_blob(repo, blob).data)
                tell("index", i, len(misses), path)
                models_by_blob[blob] = fm
                if ok:
                    fresh.append((blob, encode_model(fm)))
                else:
                    failed += 1
                    not_cached.add(blob)
        elif misses:
            pool = extract_pool(repo_path, repo, misses, extractor, jobs)
            for i, (blob, data, ok) in enumerate(pool, start=1):
                tell("index", i, len(misses), blob_path[blob])
                models_by_blob[blob] = decode_model(data)
                if ok:
                    fresh.append((blob, data))
                    if len(fresh) >= 512:
                        cache.put_many(fresh)
                        fresh = []
                else:
                    failed += 1
                    not_cached.add(blob)
        cache.put_many(fresh)
        t_extract = time.perf_counter() - t2

        if memo is not None:
            for blob, fm in models_by_blob.items():
                if blob not in not_cached:
                    memo[prefix + blob] = fm
        models: dict[str, E.FileModel] = {}
        for path, blob in files:
            fm = models_by_blob[blob]
            models[path] = fm if fm.path == path else dataclasses.replace(fm, path=path)
        index = TreeIndex(models)
        if use_summary and not failed:
            key = summary_namespace() + ":" + tree_id
            cache.put_summary(key, encode_summary(index.aggregate), when=when,
                              counts=(len(files), len(blob_path)))
        cache.prune(set(blob_path), max_cache_bytes)
        cache.close()
        stats = IndexStats(
            rev=str(tree.id),
            files=len(files),
            blobs=len(blob_path),
            cache_hits=hits,
            extracted=len(misses),
            failed=failed,
            list_seconds=t_list,
            extract_seconds=t_extract,
            decode_seconds=t_decode,
            total_seconds=time.perf_counter() - t0,
            cache_bytes=cache.size_bytes(),
            cache_rebuilt=cache.rebuilt,
        )
    except BaseException:
        cache.close()
        raise
    log.info(
        "index %s: %d files, %d cached, %d parsed (%d failed) in %.1fs",
        rev,
        stats.files,
        stats.cache_hits,
        stats.extracted,
        stats.failed,
        stats.total_seconds,
    )
    index.stats = stats
    return index


def commit_time(repo: pygit2.Repository, rev: str) -> int | None:
    """Commit time of a revision (None for a tree or anything else without one)."""
    try:
        return int(repo.revparse_single(rev).peel(pygit2.Commit).commit_time)
    except (KeyError, ValueError, TypeError, pygit2.GitError, pygit2.InvalidSpecError):
        return None


def tree_counts(tree: pygit2.Tree, suffixes: Sequence[str]) -> tuple[int, int]:
    """(C files, distinct blobs) of a tree: a listing, ~30 ms on QEMU."""
    listed = list_c_files(tree, suffixes)
    return len(listed), len({b for _, b in listed})


def _summary_stats(
    tree: pygit2.Tree,
    cache: ModelCache,
    t0: float,
    extracted: int,
    suffixes: Sequence[str],
    counts: tuple[int, int] | None = None,
) -> IndexStats:
    # the tree's C files (stored with the summary, else listed): what the summary stands
    # for, all from the cache but the `extracted` few
    files, blobs = counts if counts is not None else tree_counts(tree, suffixes)
    elapsed = time.perf_counter() - t0
    return IndexStats(
        rev=str(tree.id),
        files=files,
        blobs=blobs,
        cache_hits=blobs - extracted,
        extracted=extracted,
        failed=0,
        list_seconds=0.0,
        extract_seconds=0.0,
        decode_seconds=elapsed,
        total_seconds=elapsed,
        cache_bytes=cache.size_bytes(),
        cache_rebuilt=cache.rebuilt,
        summary=True,
    )


def _load_summary(cache: ModelCache, tree_id: str) -> _Aggregate | None:
    key = summary_namespace() + ":" + tree_id
    data = cache.get_summary(key)
    if data is None:
        return None
    try:
        return decode_summary(data)
    except ValueError as exc:
        log.warning("index summary of %s corrupt (%s); rebuilding it", tree_id, exc)
        cache.delete_summary(key)
        return None


def _from_summary(
    repo: pygit2.Repository,
    tree: pygit2.Tree,
    cache: ModelCache,
    ext: Extractor,
    suffixes: Sequence[str],
    t0: float,
) -> TreeIndex | None:
    """The index of `tree` from its stored summary (closes `cache`), or None (cache kept)."""
    agg = _load_summary(cache, str(tree.id))
    if agg is None:
        return None
    counts = cache.summary_counts(summary_namespace() + ":" + str(tree.id))
    cache.close()
    models = GitModels(repo, tree, cache.dir, cache.ver, ext, suffixes)
    stats = _summary_stats(tree, cache, t0, 0, suffixes, counts)
    return TreeIndex(models, stats, aggregate=agg)


def _from_nearest_summary(
    repo: pygit2.Repository,
    tree: pygit2.Tree,
    cache: ModelCache,
    ext: Extractor,
    suffixes: Sequence[str],
    t0: float,
    when: int | None = None,
) -> TreeIndex | None:
    """The index of `tree` as (a stored summary) + (the C files that differ).

    The summaries tried are those of the revisions nearest in commit time to `when` (the
    commit time of `tree`'s revision), then the recently used ones; the one with the fewest
    differing C files is the base. Only when few files differ and few of them need
    parsing (else None: the caller builds the whole index); files whose entries were
    resolved through a macro the difference redefines are revisited too. Stores the
    result as `tree`'s summary and closes `cache` on success.
    """
    prefix = summary_namespace() + ":"
    sfx = tuple(suffixes)
    best: tuple[int, str, list[str]] | None = None
    near = cache.nearest_summaries(prefix, when, DELTA_NEAREST) if when is not None else []
    recent = cache.recent_summaries(prefix, DELTA_CANDIDATES)
    for key in list(dict.fromkeys([*near, *recent]))[:DELTA_CANDIDATES]:
        try:
            other = repo[key[len(prefix) :]].peel(pygit2.Tree)
            deltas = other.diff_to_tree(tree).deltas
        except (KeyError, ValueError, pygit2.GitError):
            continue
        paths = sorted(
            {p for d in deltas for p in (d.old_file.path, d.new_file.path) if p and p.endswith(sfx)}
        )
        if best is None or len(paths) < best[0]:
            best = (len(paths), key[len(prefix) :], paths)
            if len(paths) <= DELTA_GOOD_ENOUGH:
                break
    if best is None or best[0] > DELTA_MAX_FILES:
        return None
    _, other_id, paths = best
    other_tree = repo[other_id].peel(pygit2.Tree)
    base_models = GitModels(repo, other_tree, cache.dir, cache.ver, ext, suffixes)
    head_models = GitModels(repo, tree, cache.dir, cache.ver, ext, suffixes)
    head_blobs = {p: head_models._blob_id(p) for p in paths}
    cached = cache.get_many({b for b in head_blobs.values() if b is not None})
    misses = sum(1 for b in head_blobs.values() if b is not None and b not in cached)
    if misses > DELTA_MAX_PARSE:
        return None
    agg = _load_summary(cache, other_id)
    if agg is None:
        return None
    base_models.prefetch(paths)
    new = load_models(repo, head_blobs, cache, ext)
    head = TreeIndex(base_models, aggregate=agg).with_files(new)
    if head._agg is None:  # no aggregate to derive from (cannot happen with a summary)
        return None
    head_models._loaded.update(new)
    counts = tree_counts(tree, suffixes)
    cache.put_summary(prefix + str(tree.id), encode_summary(head._agg), when=when,
                      counts=counts)  # fmt: skip
    cache.close()
    log.info("index %s: from the summary of %s + %d files", tree.id, other_id, len(paths))
    stats = _summary_stats(tree, cache, t0, misses, suffixes, counts)
    return TreeIndex(head_models, stats, aggregate=head._agg)


def delta_index(
    base: TreeIndex,
    repo_path: str,
    base_rev: str,
    head_rev: str,
    cache_dir: Path,
    *,
    extractor: Extractor | None = None,
) -> TreeIndex:
    """The index of head_rev built from `base` (the index of base_rev) plus changed files."""
    changed = changed_c_files(repo_path, base_rev, head_rev)
    return base.with_files(
        models_for_files(repo_path, head_rev, changed, cache_dir, extractor=extractor)
    )
