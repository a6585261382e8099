"""Running the extractor over many blobs: in this process, or in a pool of worker processes
that read the blobs from git themselves and survive a crashing file."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
from collections.abc import Iterator

import pygit2

from bot.index.codec import encode_model
from bot.index.extractor import Extractor, default_extractor
from bot.index.gitfiles import blob_size, read_blob
from bot.model import entities as E

# One logger for the whole package: operators and tests filter on "bot.index".
log = logging.getLogger("bot.index")


# Below this many misses the pool's start-up costs more than it saves.
INPROCESS_THRESHOLD = 8


MAX_ROUNDS = 4  # worker-crash isolation rounds before giving up on the remaining files


_BATCH_BYTES = 256 * 1024


_worker_repo: pygit2.Repository | None = None


_worker_extract: Extractor | None = None


def _worker_init(repo_path: str, extractor: Extractor | None) -> None:
    global _worker_repo, _worker_extract
    _worker_repo = pygit2.Repository(repo_path)
    _worker_extract = extractor if extractor is not None else default_extractor()


def safe_extract(extract: Extractor, path: str, data: bytes) -> tuple[E.FileModel, bool]:
    """(model, cacheable): an extractor crash becomes an unparsed model that is not cached."""
    try:
        fm = extract(path, data)
        if not isinstance(fm, E.FileModel):
            raise TypeError(f"extractor returned {type(fm).__name__}")
        return fm, True
    except Exception as exc:
        log.warning("extractor failed on %s: %s", path, exc)
        note = f"extractor crashed: {type(exc).__name__}: {exc}"
        return E.FileModel(path=path, parsed=False, notes=(note,)), False


def _worker_run(items: list[tuple[str, str]]) -> list[tuple[str, bytes, bool]]:
    """Extract a batch of (path, blob id); returns (blob id, encoded model, cacheable)."""
    assert _worker_repo is not None and _worker_extract is not None
    out: list[tuple[str, bytes, bool]] = []
    for path, blob in items:
        data = read_blob(_worker_repo, blob).data
        fm, ok = safe_extract(_worker_extract, path, data)
        out.append((blob, encode_model(fm), ok))
    return out


def _batches(
    repo: pygit2.Repository, items: list[tuple[str, str]], jobs: int
) -> list[list[tuple[str, str]]]:
    """Size-balanced batches, biggest first, so the pool ends evenly."""
    sized = sorted(((blob_size(repo, b), p, b) for p, b in items), reverse=True)
    target = max(16 * 1024, min(_BATCH_BYTES, sum(s for s, _, _ in sized) // (jobs * 8) + 1))
    out: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    cur_size = 0
    for size, path, blob in sized:
        cur.append((path, blob))
        cur_size += size
        if cur_size >= target:
            out.append(cur)
            cur, cur_size = [], 0
    if cur:
        out.append(cur)
    return out


def _mp_context() -> multiprocessing.context.BaseContext:
    # forkserver: no fork() of a possibly multi-threaded caller (the service), and workers
    # start from a small clean process rather than a copy of a big parent.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _worker_ping() -> bool:
    return _worker_extract is not None


def _extract_inprocess(
    repo: pygit2.Repository, batches: list[list[tuple[str, str]]], extractor: Extractor | None
) -> Iterator[tuple[str, bytes, bool]]:
    ext = extractor if extractor is not None else default_extractor()
    for b in batches:
        for path, blob in b:
            fm, ok = safe_extract(ext, path, read_blob(repo, blob).data)
            yield blob, encode_model(fm), ok


def _run_round(
    repo_path: str,
    batches: list[list[tuple[str, str]]],
    extractor: Extractor | None,
    jobs: int,
    failed: list[list[tuple[str, str]]],
) -> Iterator[tuple[str, bytes, bool]]:
    """One pool over `batches`; batches lost to a dead worker go to `failed`, in order."""
    pool = cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_mp_context(),
        initializer=_worker_init,
        initargs=(repo_path, extractor),
    )
    try:
        if not pool.submit(_worker_ping).result(timeout=300):
            raise RuntimeError("index worker did not initialise")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    with pool:
        futs = [pool.submit(_worker_run, b) for b in batches]
        lost: set[int] = set()
        for k, fut in enumerate(futs):
            try:
                res = fut.result()
            except cf.process.BrokenProcessPool:
                lost.add(k)
                continue
            yield from res
    failed.extend(batches[k] for k in sorted(lost))


def extract_pool(
    repo_path: str,
    repo: pygit2.Repository,
    items: list[tuple[str, str]],
    extractor: Extractor | None,
    jobs: int,
) -> Iterator[tuple[str, bytes, bool]]:
    """Extract in worker processes; a dying worker costs a retry, never the whole index.

    A pool that cannot start or whose workers fail a no-op ping (a daemonic caller, a script
    without the `if __name__ == "__main__"` guard that forkserver workers re-import ...)
    means in-process extraction. After a worker dies mid-way, the lost files are rerun one
    at a time in a single-worker pool: the first file that fails there is the culprit and
    becomes an unparsed model, the rest is retried (at most MAX_ROUNDS rounds).
    """
    pending = _batches(repo, items, jobs)
    failed: list[list[tuple[str, str]]] = []
    started = False
    try:
        for res in _run_round(repo_path, pending, extractor, jobs, failed):
            started = True
            yield res
    except Exception as exc:  # pool start-up: pickling, semaphores, daemonic caller ...
        if started:
            raise
        log.warning("index worker pool unusable (%s); extracting in-process", exc)
        yield from _extract_inprocess(repo, pending, extractor)
        return
    singles = [it for b in failed for it in b]
    for _ in range(MAX_ROUNDS):
        if not singles:
            return
        log.warning("index worker died; rerunning %d files one at a time", len(singles))
        lost: list[list[tuple[str, str]]] = []
        yield from _run_round(repo_path, [[it] for it in singles], extractor, 1, lost)
        if not lost:
            return
        (path, blob), *rest = [it for b in lost for it in b]
        note = "extractor crashed the worker process on this file"
        yield blob, encode_model(E.FileModel(path=path, parsed=False, notes=(note,))), False
        singles = rest
    for path, blob in singles:
        note = "not parsed: index workers kept crashing"
        yield blob, encode_model(E.FileModel(path=path, parsed=False, notes=(note,))), False
