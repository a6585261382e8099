"""File models of one revision through the cache (extracted when missing): some paths at
once, or a lazy path -> FileModel mapping that loads on first use."""

from __future__ import annotations

import dataclasses
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from pathlib import Path

import pygit2

from bot.index.cache import ModelCache
from bot.index.codec import decode_model, encode_model
from bot.index.extractor import Extractor, default_extractor, extractor_version
from bot.index.gitfiles import blob_id_at, list_c_files, open_repo, read_blob, resolve_tree
from bot.index.pool import safe_extract
from bot.model import entities as E


def load_models(
    repo: pygit2.Repository, want: Mapping[str, str | None], cache: ModelCache, ext: Extractor
) -> dict[str, E.FileModel | None]:
    """Models of (path -> blob id, None = absent) from the cache, else extracted here."""
    got = cache.get_many({b for b in want.values() if b is not None})
    out: dict[str, E.FileModel | None] = {}
    fresh: list[tuple[str, bytes]] = []
    bad: list[str] = []
    for path, blob in want.items():
        if blob is None:
            out[path] = None
            continue
        fm: E.FileModel | None = None
        data = got.get(blob)
        if data is not None:
            try:
                fm = decode_model(data)
            except ValueError:
                bad.append(blob)
        if fm is None:
            fm, ok = safe_extract(ext, path, read_blob(repo, blob).data)
            if ok:
                fresh.append((blob, encode_model(fm)))
        out[path] = fm if fm.path == path else dataclasses.replace(fm, path=path)
    if bad:
        cache.delete(bad)
    cache.put_many(fresh)
    return out


class GitModels(Mapping[str, E.FileModel]):
    """path -> FileModel of one revision, each loaded (cache, else extracted) on first use.

    Backs a summary-restored TreeIndex: the aggregate answers most questions, and only the
    few files a review looks at (file_model, the files a series changes) are decoded.
    """

    def __init__(
        self,
        repo: pygit2.Repository,
        tree: pygit2.Tree,
        cache_dir: Path,
        ver: str,
        extractor: Extractor,
        suffixes: Sequence[str],
    ) -> None:
        self._repo = repo
        self._tree = tree
        self._cache_dir = cache_dir
        self._ver = ver
        self._ext = extractor
        self._sfx = tuple(suffixes)
        self._loaded: dict[str, E.FileModel | None] = {}
        self._files: list[tuple[str, str]] | None = None
        self._by_path: dict[str, str] | None = None

    def _blob_id(self, path: str) -> str | None:
        if not path.endswith(self._sfx):
            return None
        if self._by_path is not None:
            return self._by_path.get(path)
        return blob_id_at(self._tree, path)

    def __getitem__(self, path: str) -> E.FileModel:
        if path not in self._loaded:
            self.prefetch([path])
        fm = self._loaded[path]
        if fm is None:
            raise KeyError(path)
        return fm

    def prefetch(self, paths: Iterable[str]) -> None:
        """Load the models of several paths with one cache query."""
        want = {p: self._blob_id(p) for p in paths if p not in self._loaded}
        if not want:
            return
        cache = ModelCache(self._cache_dir, self._ver)
        try:
            self._loaded.update(load_models(self._repo, want, cache, self._ext))
        finally:
            cache.close()

    def _list(self) -> list[tuple[str, str]]:
        if self._files is None:
            self._files = list_c_files(self._tree, self._sfx)
            self._by_path = dict(self._files)
        return self._files

    def __iter__(self) -> Iterator[str]:
        return iter([p for p, _ in self._list()])

    def __len__(self) -> int:
        return len(self._list())

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._blob_id(path) is not None

    def items(self) -> ItemsView[str, E.FileModel]:
        """(path, model) of every file; all models are loaded with one cache query first."""
        self.prefetch(self)
        return super().items()

    def values(self) -> ValuesView[E.FileModel]:
        """Every model; all are loaded with one cache query first."""
        self.prefetch(self)
        return super().values()


def models_for_files(
    repo_path: str,
    rev: str,
    paths: Iterable[str],
    cache_dir: Path,
    *,
    extractor: Extractor | None = None,
) -> dict[str, E.FileModel | None]:
    """Models of some files at `rev` (None when absent there), through the same cache.

    For the review path: `base_index.with_files(models_for_files(repo, head, changed, ...))`.
    """
    repo = open_repo(repo_path)
    tree = resolve_tree(repo, rev)
    ext = extractor if extractor is not None else default_extractor()
    cache = ModelCache(Path(cache_dir), extractor_version(ext, Path(cache_dir)))
    try:
        return load_models(repo, {p: blob_id_at(tree, p) for p in paths}, cache, ext)
    finally:
        cache.close()
