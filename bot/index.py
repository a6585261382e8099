"""Whole-tree entity index at a git revision, cached on disk by git blob id.

`build_index(repo, rev, cache_dir)` lists every C file (`.c`, `.h`, `.inc`) of the tree at
`rev` with pygit2, loads the FileModel of each blob already in the cache, runs the extractor
on the others in a process pool (workers read the blobs from git themselves), stores the new
models, and returns a `TreeIndex` (bot.model.tree; pure aggregation, implements TreeView).

Cache layout: one SQLite file `<cache_dir>/models.sqlite`, table `models(ver, blob, data)`,
where `ver` is a digest of the extractor's source and the entity schema (so a changed
extractor never reads stale models) and `data` is zlib(marshal(model as nested tuples)).
marshal of plain tuples is compact, fast and cannot execute code, unlike pickle. Rows of
other extractor versions are dropped after a complete build; when the file grows past
`max_cache_bytes`, rows not used by the current tree are dropped too. A corrupt file or row
is rebuilt, never fatal.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import logging
import marshal
import multiprocessing
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import pygit2

from bot.errors import InputError
from bot.model import entities as E
from bot.model.defines import DefineTable, fn_defs, fn_state
from bot.model.tree import _TABLES, IndexStats, TreeIndex, TypeRecord, _Aggregate

__all__ = [
    "C_SUFFIXES",
    "Extractor",
    "IndexStats",
    "ModelCache",
    "TreeIndex",
    "build_index",
    "changed_c_files",
    "decode_model",
    "delta_index",
    "encode_model",
    "extractor_version",
    "list_c_files",
    "models_for_files",
]

log = logging.getLogger(__name__)

Extractor = Callable[[str, bytes], E.FileModel]
C_SUFFIXES = (".c", ".h", ".inc")
CODEC_VERSION = 1
DEFAULT_MAX_CACHE_BYTES = 180 * 1024 * 1024
# Below this many misses the pool's start-up costs more than it saves.
INPROCESS_THRESHOLD = 8
MAX_ROUNDS = 4  # worker-crash isolation rounds before giving up on the remaining files
_BATCH_BYTES = 256 * 1024

# ---- codec: FileModel <-> nested tuples (marshal-able) --------------------------------------
_CLASSES: tuple[type[Any], ...] = tuple(
    sorted(
        (
            c
            for c in vars(E).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == E.__name__
        ),
        key=lambda c: c.__name__,
    )
)
_TAG = {cls: i for i, cls in enumerate(_CLASSES)}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES}
_SCHEMA = repr([(c.__name__, _FIELDS[c]) for c in _CLASSES])
_SCHEMA_DIGEST = hashlib.sha256(f"codec{CODEC_VERSION}{_SCHEMA}".encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _summary_namespace() -> str:
    """Digest of the aggregation code: summaries of other versions are never read."""
    h = hashlib.sha256(f"summary{SUMMARY_VERSION}".encode())
    for mod in ("bot.model.tree", "bot.model.defines", "bot.index"):
        spec = importlib.util.find_spec(mod)
        if spec is not None and spec.origin:
            h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:12]


def _enc(v: Any) -> Any:
    t = type(v)
    tag = _TAG.get(t)
    if tag is not None:
        return [tag, *[_enc(getattr(v, n)) for n in _FIELDS[t]]]
    if t is tuple or t is list:  # lists would read back as entity tags: store as tuples
        return tuple([_enc(x) for x in v])
    return v


def _dec(v: Any) -> Any:
    t = type(v)
    if t is list:
        return _CLASSES[v[0]](*[_dec(x) for x in v[1:]])
    if t is tuple:
        # Most tuples hold strings only (args, hooks); skip the per-item call for those.
        for x in v:
            if type(x) is list or type(x) is tuple:
                return tuple([_dec(x) for x in v])
        return v
    return v


def encode_model(fm: E.FileModel) -> bytes:
    """Compact bytes for one model: zlib(marshal(nested tuples))."""
    return zlib.compress(marshal.dumps(_enc(fm)), 1)


def decode_model(data: bytes) -> E.FileModel:
    """Inverse of encode_model; raises ValueError on any corrupt input."""
    try:
        obj = _dec(marshal.loads(zlib.decompress(data)))
    except Exception as exc:  # zlib.error, EOFError, TypeError, IndexError ...
        raise ValueError(f"corrupt cached model: {exc}") from exc
    if not isinstance(obj, E.FileModel):
        raise ValueError("corrupt cached model: not a FileModel")
    return obj


# ---- per-revision summaries: the aggregate tables, decoded per key on demand ---------------
SUMMARY_VERSION = 1
MAX_SUMMARIES = 48  # per extractor version (~1.5 MB each); least recently used dropped first
DELTA_CANDIDATES = 12  # recent summaries tried as the base of a delta (a diff is ~10 ms)
DELTA_GOOD_ENOUGH = 16  # stop looking once one differs in at most this many C files
DELTA_MAX_FILES = 400  # more C files differ: build the whole index instead
DELTA_MAX_PARSE = 16  # more of them not in the model cache: the pool is faster
# Tables whose values hold entities: stored per key as marshal(_enc(value)), decoded lazily.
_ENTITY_TABLES = ("types", "vmsds", "class_inits", "vmsd_users", "props", "creations")


class _LazyTable(MutableMapping[Any, Any]):
    """A dict whose values are decoded from stored bytes on first access."""

    __slots__ = ("_dec", "_decode", "_raw")

    def __init__(
        self, raw: dict[Any, bytes], decode: Callable[[bytes], Any], dec: dict[Any, Any] | None
    ) -> None:
        self._raw = raw
        self._decode = decode
        self._dec: dict[Any, Any] = dec if dec is not None else {}

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._dec[key]
        except KeyError:
            pass
        data = self._raw[key]  # KeyError when absent
        try:
            value = self._decode(data)
        except Exception as exc:
            raise ValueError(f"corrupt index summary entry {key!r}: {exc}") from exc
        self._dec[key] = value
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self._dec[key] = value
        self._raw.pop(key, None)

    def __delitem__(self, key: Any) -> None:
        found = self._dec.pop(key, _MISSING) is not _MISSING
        found = self._raw.pop(key, None) is not None or found
        if not found:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._dec or key in self._raw

    def __iter__(self) -> Iterator[Any]:
        yield from self._dec
        for k in self._raw:
            if k not in self._dec:
                yield k

    def __len__(self) -> int:
        return len(self._dec) + sum(1 for k in self._raw if k not in self._dec)

    def stored(self, enc: Callable[[Any], Any]) -> dict[Any, bytes]:
        """Per-key bytes of every entry: stored bytes as they are, decoded values re-encoded."""
        out = dict(self._raw)
        for k, v in self._dec.items():
            out[k] = marshal.dumps(enc(v))
        return out

    def copy(self) -> _LazyTable:
        """Shallow copy (values are replaced, never mutated, by TreeIndex deltas)."""
        return _LazyTable(dict(self._raw), self._decode, dict(self._dec))


_MISSING = object()


def _dec_list(data: bytes) -> list[Any]:
    return list(_dec(marshal.loads(data)))


def _dec_one(data: bytes) -> Any:
    return _dec(marshal.loads(data))


def _dec_types(data: bytes) -> list[TypeRecord]:
    return [TypeRecord(p, _dec(i), tuple(ps)) for p, i, ps in marshal.loads(data)]


def _per_key(table: Mapping[Any, Any], enc: Callable[[Any], Any]) -> dict[Any, bytes]:
    if isinstance(table, _LazyTable):  # restored: keep the bytes of values never decoded
        return table.stored(enc)
    return {k: marshal.dumps(enc(v)) for k, v in table.items()}


def _plain(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _dec_plain_list(data: bytes) -> list[Any]:
    return list(marshal.loads(data))


def _dec_fns(data: bytes) -> list[Any]:
    return fn_defs(marshal.loads(data))


def encode_summary(agg: _Aggregate) -> bytes:
    """zlib(marshal(...)) of an aggregate's tables and define table; every mapping is
    stored per key (marshal bytes) so that loading decodes only the keys a review asks for."""
    tables: dict[str, Any] = {}
    for name in _TABLES:
        value = getattr(agg, name)
        if name == "types":
            tables[name] = _per_key(
                value, lambda v: tuple((r.path, _enc(r.info), r.parents) for r in v)
            )
        elif name in _ENTITY_TABLES:
            tables[name] = _per_key(value, _enc)
        elif name == "compat":
            tables[name] = marshal.dumps(_enc(value))
        elif isinstance(value, Mapping):
            tables[name] = _per_key(value, _plain)
        else:
            tables[name] = list(value)
    obj_, fns, by_file, by_dir = agg.defines.state()
    dstate = (
        _per_key(obj_, _plain),
        _per_key(fns, fn_state),
        _per_key(by_file, lambda v: v),
        _per_key(by_dir, lambda v: v),
    )
    obj: Any = (SUMMARY_VERSION, dstate, tables)
    return zlib.compress(marshal.dumps(obj), 6)


def decode_summary(data: bytes) -> _Aggregate:
    """Inverse of encode_summary (values decoded on access); ValueError if corrupt."""
    try:
        ver, dstate, tables = marshal.loads(zlib.decompress(data))
        if ver != SUMMARY_VERSION:
            raise ValueError(f"summary version {ver}")
        d_obj, d_fns, d_file, d_dir = dstate
        defines = DefineTable.from_state(
            _LazyTable(d_obj, _dec_plain_list, None),
            _LazyTable(d_fns, _dec_fns, None),
            _LazyTable(d_file, marshal.loads, None),
            _LazyTable(d_dir, marshal.loads, None),
        )
        out: dict[str, object] = {}
        for name in _TABLES:
            raw = tables[name]
            if name == "types":
                out[name] = _LazyTable(raw, _dec_types, None)
            elif name == "class_inits":
                out[name] = _LazyTable(raw, _dec_one, None)
            elif name in _ENTITY_TABLES:
                out[name] = _LazyTable(raw, _dec_list, None)
            elif name == "compat":
                out[name] = list(_dec(marshal.loads(raw)))
            elif isinstance(raw, dict):
                out[name] = _LazyTable(raw, _dec_plain_list, None)
            elif isinstance(raw, list):
                out[name] = raw
            else:
                raise ValueError(f"table {name} malformed")
        return _Aggregate.restored(defines, out)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"corrupt index summary: {exc}") from exc


# ---- extractor identity ---------------------------------------------------------------------
def _default_extractor() -> Extractor:
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
    roots = {Path(__file__).parent}
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
            _SCHEMA_DIGEST,
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
    h.update(f"codec{CODEC_VERSION}\0{sys.version_info[:2]}\0{_SCHEMA}\0".encode())
    mod_name = getattr(extractor, "__module__", "") or ""
    h.update(f"{mod_name}.{getattr(extractor, '__qualname__', repr(extractor))}\0".encode())
    if mod_name:
        importlib.import_module(mod_name)
        for name in _module_closure(mod_name):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin and os.path.exists(spec.origin):
                h.update(name.encode() + b"\0" + Path(spec.origin).read_bytes())
        extra = getattr(sys.modules[mod_name], "EXTRACTOR_VERSION", None)
        if extra is not None:
            h.update(str(extra).encode())
    data_dir = Path(__file__).parent / "data"
    if data_dir.is_dir():
        for f in sorted(data_dir.iterdir()):
            if f.is_file():
                h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


# ---- listing files ---------------------------------------------------------------------------
def _open_repo(repo_path: str) -> pygit2.Repository:
    try:
        return pygit2.Repository(repo_path)
    except (pygit2.GitError, KeyError) as exc:
        raise InputError(
            f"{repo_path}: not a git repository ({exc}); pass the path of a QEMU clone"
        ) from exc


def _resolve_tree(repo: pygit2.Repository, rev: str) -> pygit2.Tree:
    try:
        obj = repo.revparse_single(rev)
        tree = obj.peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError) as exc:
        raise InputError(
            f"{rev!r}: no such revision in {repo.path} ({exc}); give a commit, tag or branch"
        ) from exc
    return tree


def list_c_files(tree: pygit2.Tree, suffixes: Sequence[str] = C_SUFFIXES) -> list[tuple[str, str]]:
    """(path, blob id hex) of every regular C file of a git tree, in path order."""
    out: list[tuple[str, str]] = []
    sfx = tuple(suffixes)
    stack: list[tuple[str, pygit2.Tree]] = [("", tree)]
    while stack:
        prefix, t = stack.pop()
        for entry in t:
            name = entry.name or ""
            if isinstance(entry, pygit2.Tree):
                stack.append((prefix + name + "/", entry))
            elif (
                isinstance(entry, pygit2.Blob)
                and entry.filemode != pygit2.GIT_FILEMODE_LINK
                and name.endswith(sfx)
            ):
                out.append((prefix + name, str(entry.id)))
    out.sort()
    return out


def _blob(repo: pygit2.Repository, blob_id: str) -> pygit2.Blob:
    obj = repo[blob_id]
    if not isinstance(obj, pygit2.Blob):
        raise InputError(f"{blob_id}: expected a blob in {repo.path}")
    return obj


def _blob_size(repo: pygit2.Repository, blob_id: str) -> int:
    # read_header does not inflate the object: 50x cheaper than loading the blob
    try:
        return int(repo.odb.read_header(blob_id)[1])
    except (AttributeError, KeyError, ValueError, pygit2.GitError):
        return len(_blob(repo, blob_id).data)


# ---- the cache -------------------------------------------------------------------------------
class ModelCache:
    """SQLite store blob id -> encoded FileModel for one extractor version."""

    FILE = "models.sqlite"

    def __init__(self, cache_dir: Path, ver: str) -> None:
        self.dir = cache_dir
        self.path = cache_dir / self.FILE
        self.ver = ver
        self.rebuilt = False
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("index cache dir %s unusable (%s); not caching", cache_dir, exc)
            self._db = self._open(":memory:")
            return
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = self._open()
            db.execute("SELECT count(*) FROM models WHERE ver = ''").fetchone()
            return db
        except sqlite3.DatabaseError as exc:
            log.warning("index cache %s unreadable (%s); rebuilding it", self.path, exc)
            self._discard()
            try:
                return self._open()
            except sqlite3.Error as exc2:  # unwritable directory: work without a cache
                log.warning("index cache %s unusable (%s); not caching", self.path, exc2)
                return self._open(":memory:")

    def _open(self, where: str | None = None) -> sqlite3.Connection:
        db = sqlite3.connect(where or self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS models ("
            " ver TEXT NOT NULL, blob TEXT NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (ver, blob)) WITHOUT ROWID"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS summaries ("
            " ver TEXT NOT NULL, tree TEXT NOT NULL, used REAL NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (ver, tree))"
        )
        return db

    def _discard(self) -> None:
        self.rebuilt = True
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(str(self.path) + suffix)
            except OSError:
                pass

    def _reset(self, exc: Exception) -> None:
        log.warning("index cache %s failed (%s); starting it afresh", self.path, exc)
        try:
            self._db.close()
        except sqlite3.Error:
            pass
        self._discard()
        try:
            self._db = self._open()
        except sqlite3.Error as exc2:
            log.warning("index cache %s unusable (%s); not caching", self.path, exc2)
            self._db = self._open(":memory:")

    def get_many(self, blobs: Iterable[str]) -> dict[str, bytes]:
        """Encoded models for the blobs present (one query per 500 ids)."""
        ids = list(blobs)
        out: dict[str, bytes] = {}
        try:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                q = (
                    "SELECT blob, data FROM models WHERE ver = ? AND blob IN ("
                    + ",".join("?" * len(chunk))
                    + ")"
                )
                for blob, data in self._db.execute(q, [self.ver, *chunk]):
                    out[blob] = bytes(data)
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return {}
        return out

    def put_many(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store encoded models; a failing cache only costs a re-parse next time."""
        batch = [(self.ver, b, d) for b, d in rows]
        if not batch:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO models VALUES (?, ?, ?)", batch)
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def get_summary(self, tree: str) -> bytes | None:
        """The stored aggregate summary of a root tree id (marks it used), or None."""
        try:
            row = self._db.execute(
                "SELECT data FROM summaries WHERE ver = ? AND tree = ?", (self.ver, tree)
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE summaries SET used = ? WHERE ver = ? AND tree = ?",
                (time.time(), self.ver, tree),
            )
            return bytes(row[0])
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return None

    def put_summary(self, tree: str, data: bytes, keep: int = MAX_SUMMARIES) -> None:
        """Store a summary; only the `keep` most recently used ones stay."""
        try:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)",
                (self.ver, tree, time.time(), data),
            )
            self._db.execute(
                "DELETE FROM summaries WHERE ver = ? AND tree NOT IN (SELECT tree FROM"
                " summaries WHERE ver = ? ORDER BY used DESC LIMIT ?)",
                (self.ver, self.ver, keep),
            )
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def recent_summaries(self, prefix: str, limit: int) -> list[str]:
        """Keys (`prefix` + tree id) of the most recently used summaries."""
        try:
            rows = self._db.execute(
                "SELECT tree FROM summaries WHERE ver = ? AND substr(tree, 1, ?) = ?"
                " ORDER BY used DESC LIMIT ?",
                (self.ver, len(prefix), prefix, limit),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return []
        return [str(r[0]) for r in rows]

    def delete_summary(self, tree: str) -> None:
        """Drop a (corrupt) summary."""
        try:
            self._db.execute("DELETE FROM summaries WHERE ver = ? AND tree = ?", (self.ver, tree))
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def delete(self, blobs: Iterable[str]) -> None:
        """Drop rows (corrupt entries)."""
        try:
            self._db.executemany(
                "DELETE FROM models WHERE ver = ? AND blob = ?", [(self.ver, b) for b in blobs]
            )
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def size_bytes(self) -> int:
        """On-disk size of the cache files."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.stat(str(self.path) + suffix).st_size
            except OSError:
                pass
        return total

    def prune(self, keep: set[str], max_bytes: int) -> None:
        """Drop other extractor versions; past max_bytes, also rows the tree does not use."""
        try:
            cur = self._db.execute("DELETE FROM models WHERE ver != ?", (self.ver,))
            dropped = cur.rowcount
            cur = self._db.execute("DELETE FROM summaries WHERE ver != ?", (self.ver,))
            dropped += cur.rowcount
            if self.size_bytes() > max_bytes:
                dropped += self._db.execute(
                    "DELETE FROM summaries WHERE tree NOT IN (SELECT tree FROM summaries"
                    " ORDER BY used DESC LIMIT 2)"
                ).rowcount
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (blob TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM keep")
                self._db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(b,) for b in keep])
                cur = self._db.execute(
                    "DELETE FROM models WHERE blob NOT IN (SELECT blob FROM keep)"
                )
                dropped += cur.rowcount
            if dropped:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._db.execute("VACUUM")
        except sqlite3.DatabaseError as exc:
            self._reset(exc)

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
        except sqlite3.Error:
            pass


# ---- extraction (in-process or in a pool) ----------------------------------------------------
_worker_repo: pygit2.Repository | None = None
_worker_extract: Extractor | None = None


def _worker_init(repo_path: str, extractor: Extractor | None) -> None:
    global _worker_repo, _worker_extract
    _worker_repo = pygit2.Repository(repo_path)
    _worker_extract = extractor if extractor is not None else _default_extractor()


def _safe_extract(extract: Extractor, path: str, data: bytes) -> tuple[E.FileModel, bool]:
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
        data = _blob(_worker_repo, blob).data
        fm, ok = _safe_extract(_worker_extract, path, data)
        out.append((blob, encode_model(fm), ok))
    return out


def _batches(
    repo: pygit2.Repository, items: list[tuple[str, str]], jobs: int
) -> list[list[tuple[str, str]]]:
    """Size-balanced batches, biggest first, so the pool ends evenly."""
    sized = sorted(((_blob_size(repo, b), p, b) for p, b in items), reverse=True)
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
    ext = extractor if extractor is not None else _default_extractor()
    for b in batches:
        for path, blob in b:
            fm, ok = _safe_extract(ext, path, _blob(repo, blob).data)
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


def _extract_pool(
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


def _load_models(
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
            fm, ok = _safe_extract(ext, path, _blob(repo, blob).data)
            if ok:
                fresh.append((blob, encode_model(fm)))
        out[path] = fm if fm.path == path else dataclasses.replace(fm, path=path)
    if bad:
        cache.delete(bad)
    cache.put_many(fresh)
    return out


class _GitModels(Mapping[str, E.FileModel]):
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
        try:
            entry = self._tree[path]
        except (KeyError, ValueError, pygit2.GitError):
            return None
        if entry.type_str != "blob" or entry.filemode == pygit2.GIT_FILEMODE_LINK:
            return None
        return str(entry.id)

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
            self._loaded.update(_load_models(self._repo, want, cache, self._ext))
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
) -> TreeIndex:
    """Index every C file of `rev`, parsing only blobs the cache does not hold.

    With `summaries` (default: when the default extractor is used) the whole-tree tables
    are also stored per root tree id; a later build of the same tree restores them and
    loads file models only on demand, instead of decoding every cached model.

    `extractor` defaults to bot.model.extract.extract_file; with jobs > 1 it must be a
    module-level function (it is sent to worker processes). Small miss sets and jobs <= 1
    run in this process. `memo` (owned by a long-lived caller such as the service; keyed
    "<extractor version>:<blob id>") skips even the decoding of models seen before; the
    caller bounds its size.
    """
    t0 = time.perf_counter()
    repo = _open_repo(repo_path)
    tree = _resolve_tree(repo, rev)
    ext = extractor if extractor is not None else _default_extractor()
    use_summary = extractor is None if summaries is None else summaries
    ver = extractor_version(ext, Path(cache_dir))
    cache = ModelCache(Path(cache_dir), ver)
    tree_id = str(tree.id)
    if use_summary:
        restored = _from_summary(repo, tree, cache, ext, suffixes, t0)
        if restored is None:
            restored = _from_nearest_summary(repo, tree, cache, ext, suffixes, t0)
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
        if misses and (jobs <= 1 or len(misses) <= INPROCESS_THRESHOLD):
            for path, blob in misses:
                fm, ok = _safe_extract(ext, path, _blob(repo, blob).data)
                models_by_blob[blob] = fm
                if ok:
                    fresh.append((blob, encode_model(fm)))
                else:
                    failed += 1
                    not_cached.add(blob)
        elif misses:
            for blob, data, ok in _extract_pool(repo_path, repo, misses, extractor, jobs):
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
            key = _summary_namespace() + ":" + tree_id
            cache.put_summary(key, encode_summary(index.aggregate))
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
        rev, stats.files, stats.cache_hits, stats.extracted, stats.failed, stats.total_seconds,
    )
    index.stats = stats
    return index


def _summary_stats(tree: pygit2.Tree, cache: ModelCache, t0: float, extracted: int) -> IndexStats:
    elapsed = time.perf_counter() - t0
    return IndexStats(
        rev=str(tree.id),
        files=-1,
        blobs=-1,
        cache_hits=0,
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
    key = _summary_namespace() + ":" + tree_id
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
    cache.close()
    models = _GitModels(repo, tree, cache.dir, cache.ver, ext, suffixes)
    return TreeIndex(models, _summary_stats(tree, cache, t0, 0), aggregate=agg)


def _from_nearest_summary(
    repo: pygit2.Repository,
    tree: pygit2.Tree,
    cache: ModelCache,
    ext: Extractor,
    suffixes: Sequence[str],
    t0: float,
) -> TreeIndex | None:
    """The index of `tree` as (a recently used stored summary) + (the C files that differ).

    Only when few files differ, few of them need parsing, and none changes what the
    tree-wide define table holds (else None: the caller builds the whole index). Stores
    the result as `tree`'s summary and closes `cache` on success.
    """
    prefix = _summary_namespace() + ":"
    sfx = tuple(suffixes)
    best: tuple[int, str, list[str]] | None = None
    for key in cache.recent_summaries(prefix, DELTA_CANDIDATES):
        try:
            other = repo[key[len(prefix) :]].peel(pygit2.Tree)
            deltas = other.diff_to_tree(tree).deltas
        except (KeyError, ValueError, pygit2.GitError):
            continue
        paths = sorted(
            {
                p
                for d in deltas
                for p in (d.old_file.path, d.new_file.path)
                if p and p.endswith(sfx)
            }
        )
        if best is None or len(paths) < best[0]:
            best = (len(paths), key[len(prefix) :], paths)
            if len(paths) <= DELTA_GOOD_ENOUGH:
                break
    if best is None or best[0] > DELTA_MAX_FILES:
        return None
    _, other_id, paths = best
    other_tree = repo[other_id].peel(pygit2.Tree)
    base_models = _GitModels(repo, other_tree, cache.dir, cache.ver, ext, suffixes)
    head_models = _GitModels(repo, tree, cache.dir, cache.ver, ext, suffixes)
    head_blobs = {p: head_models._blob_id(p) for p in paths}
    cached = cache.get_many({b for b in head_blobs.values() if b is not None})
    misses = sum(1 for b in head_blobs.values() if b is not None and b not in cached)
    if misses > DELTA_MAX_PARSE:
        return None
    agg = _load_summary(cache, other_id)
    if agg is None:
        return None
    base_models.prefetch(paths)
    new = _load_models(repo, head_blobs, cache, ext)
    head = TreeIndex(base_models, aggregate=agg).with_files(new)
    if head._agg is None:  # the define table changes: the whole tree must be revisited
        return None
    head_models._loaded.update(new)
    cache.put_summary(prefix + str(tree.id), encode_summary(head._agg))
    cache.close()
    log.info("index %s: from the summary of %s + %d files", tree.id, other_id, len(paths))
    stats = _summary_stats(tree, cache, t0, misses)
    return TreeIndex(head_models, stats, aggregate=head._agg)


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
    repo = _open_repo(repo_path)
    tree = _resolve_tree(repo, rev)
    ext = extractor if extractor is not None else _default_extractor()
    cache = ModelCache(Path(cache_dir), extractor_version(ext, Path(cache_dir)))
    out: dict[str, E.FileModel | None] = {}
    try:
        want: dict[str, str] = {}
        for path in paths:
            try:
                entry = tree[path]
            except KeyError:
                out[path] = None
                continue
            if entry.type_str != "blob":
                out[path] = None
                continue
            want[path] = str(entry.id)
        got = cache.get_many(set(want.values()))
        fresh: list[tuple[str, bytes]] = []
        for path, blob in want.items():
            fm: E.FileModel | None = None
            if blob in got:
                try:
                    fm = decode_model(got[blob])
                except ValueError:
                    fm = None
            if fm is None:
                fm, ok = _safe_extract(ext, path, _blob(repo, blob).data)
                if ok:
                    fresh.append((blob, encode_model(fm)))
            out[path] = fm if fm.path == path else dataclasses.replace(fm, path=path)
        cache.put_many(fresh)
    finally:
        cache.close()
    return out


def changed_c_files(repo_path: str, base_rev: str, head_rev: str) -> list[str]:
    """C paths whose blob differs between two revisions (added, removed or modified)."""
    repo = _open_repo(repo_path)
    old = dict(list_c_files(_resolve_tree(repo, base_rev)))
    new = dict(list_c_files(_resolve_tree(repo, head_rev)))
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))


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
