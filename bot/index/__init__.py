"""Whole-tree entity index at a git revision, cached on disk by git blob id.

`build_index(repo, rev, cache_dir)` lists every C file (`.c`, `.h`, `.inc`) of the tree at
`rev` with pygit2, loads the FileModel of each blob already in the cache, runs the extractor
on the others in a process pool (workers read the blobs from git themselves), stores the new
models, and returns a `TreeIndex` (bot.model.tree; pure aggregation, implements TreeView).

Modules: `build` (the three ways to an index: stored summary, nearest summary plus the
files that differ, every file model), `filemodels` (models of some paths, or lazily by
path), `pool` (extraction in worker processes), `cache` (the SQLite store), `codec`
(FileModel <-> bytes), `summary` (aggregate tables <-> bytes), `extractor` (the extractor
and the digest that names the cache namespace), `gitfiles` (trees and blobs).
"""

from bot.index.build import build_index, delta_index
from bot.index.cache import ModelCache
from bot.index.codec import decode_model, encode_model
from bot.index.extractor import Extractor, default_extractor, extractor_version
from bot.index.filemodels import models_for_files
from bot.index.gitfiles import C_SUFFIXES, changed_c_files, list_c_files
from bot.index.pool import INPROCESS_THRESHOLD
from bot.model.tree import IndexStats, TreeIndex

__all__ = [
    "C_SUFFIXES",
    "INPROCESS_THRESHOLD",
    "Extractor",
    "IndexStats",
    "ModelCache",
    "TreeIndex",
    "build_index",
    "changed_c_files",
    "decode_model",
    "default_extractor",
    "delta_index",
    "encode_model",
    "extractor_version",
    "list_c_files",
    "models_for_files",
]
