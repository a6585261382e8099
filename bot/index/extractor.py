"""The extractor and its identity: a digest of its code, entity schema and codec that names
the cache namespace (a changed extractor never reads models of another version)."""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.index.codec import CODEC_VERSION, SCHEMA, SCHEMA_DIGEST
from bot.model import entities as E

# bot/: its sources are stamped, and bot/data files are part of the extractor digest.
_BOT_DIR = Path(__file__).resolve().parent.parent

Extractor = Callable[[str, bytes], E.FileModel]


def default_extractor() -> Extractor:
    """bot.model.extract.extract_file (imported on first use)."""
    mod = importlib.import_module("bot.model.extract")
    fn: Extractor = mod.extract_file
    return fn


@functools.lru_cache(maxsize=32)
def _module_closure(root_module: str) -> tuple[str, ...]:
    """Modules of root_module's top package it imports, transitively (read from the source,
    so `from pkg.table import CONSTANT` and imports inside functions count too)."""
    top = root_module.split(".")[0]
    seen: set[str] = set()
    todo = [root_module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        seen.add(name)
        try:
            tree = ast.parse(Path(spec.origin).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        pkg = name if spec.submodule_search_locations else name.rpartition(".")[0]
        for node in ast.walk(tree):
            cands: list[str] = []
            if isinstance(node, ast.Import):
                cands = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")
                    parent = ".".join(parts[: len(parts) - node.level + 1])
                    base = f"{parent}.{base}" if base else parent
                cands = [base] + [f"{base}.{a.name}" for a in node.names]
            for c in cands:
                if (c == top or c.startswith(top + ".")) and c not in seen:
                    todo.append(c)
    return tuple(sorted(seen))


def _source_stamp(mod_name: str) -> str:
    """(path, size, mtime) of every .py/data file of bot and of the extractor's package."""
    roots = {_BOT_DIR}
    top = mod_name.split(".")[0]
    if top:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            roots.add(origin.parent if spec.submodule_search_locations else origin)
    h = hashlib.sha256()
    for root in sorted(roots):
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for f in files:
            if f.suffix == ".py" or f.parent.name == "data":
                try:
                    st = f.stat()
                except OSError:
                    continue
                h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def extractor_version(extractor: Extractor, cache_dir: Path | None = None) -> str:
    """extractor_digest(), remembered in `cache_dir` by the sources' sizes and mtimes
    (hashing and import-scanning the sources costs ~0.3 s, a stat walk ~5 ms)."""
    mod_name = getattr(extractor, "__module__", "") or ""
    if cache_dir is None:
        return extractor_digest(extractor)
    key = "|".join(
        (
            mod_name,
            getattr(extractor, "__qualname__", "?"),
            str(sys.version_info[:2]),
            SCHEMA_DIGEST,
            _source_stamp(mod_name),
        )
    )
    memo = cache_dir / "extractor-version"
    try:
        stored_key, _, stored = memo.read_text().partition("\n")
        if stored_key == key and len(stored) == 16:
            return stored
    except OSError:
        pass
    ver = extractor_digest(extractor)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}")
        tmp.write_text(f"{key}\n{ver}")
        os.replace(tmp, memo)
    except OSError:
        pass
    return ver


def extractor_digest(extractor: Extractor) -> str:
    """Digest naming the extractor's code + entity schema + codec (the cache namespace).

    Hashes the source of every module of the extractor's package that the extractor module
    uses (transitively, by what its namespace references), plus the package's data files,
    so edits to unrelated modules (reporters, aggregation) keep the cache.
    """
    h = hashlib.sha256()
    h.update(f"codec{CODEC_VERSION}\0{sys.version_info[:2]}\0{SCHEMA}\0".encode())
    mod_name = getattr(extractor, "__module__", "") or ""
    h.update(f"{mod_name}.{getattr(extractor, '__qualname__', repr(extractor))}\0".encode())
    if mod_name:
        importlib.import_module(mod_name)
        for name in _module_closure(mod_name):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin and os.path.exists(spec.origin):
                h.update(name.encode() + b"\0" + Path(spec.origin).read_bytes())
    data_dir = _BOT_DIR / "data"
    if data_dir.is_dir():
        for f in sorted(data_dir.iterdir()):
            if f.is_file():
                h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]
