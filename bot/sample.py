"""The sample QEMU-like tree and series shipped with the package (bot/data/examples): what
`migcheck demo` reviews, and what tests and benchmarks build their repositories from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pygit2

from bot.errors import InputError

# Fixed identity and time: the sample repository gets the same commit ids on every run.
_SIG_TIME = 1767603600  # 2026-01-05 10:00 +01:00
_SIG_OFFSET = 60


def examples_dir() -> Path:
    """The sample tree and series shipped inside the package (bot/data/examples; the
    checkout's examples/ links there), so an installed migcheck runs the demo anywhere."""
    return Path(__file__).resolve().parent / "data" / "examples"


def build_sample_repo(base_dir: Path, dest: Path) -> str:
    """Copy base_dir into dest as a fresh git repository with one commit; returns its id."""
    if not base_dir.is_dir():
        raise InputError(
            "sample base tree not found",
            input_name=str(base_dir),
            hint="reinstall migcheck (its package data is incomplete) or pass --examples DIR",
        )
    shutil.copytree(base_dir, dest, dirs_exist_ok=False)
    repo = pygit2.init_repository(str(dest), bare=False, initial_head="master")
    repo.index.add_all()
    repo.index.write()
    tree = repo.index.write_tree()
    sig = pygit2.Signature("Sample Base", "base@example.org", _SIG_TIME, _SIG_OFFSET)
    commit = repo.create_commit("HEAD", sig, sig, "sample base\n", tree, [])
    return str(commit)


def sample_patches(series_dir: Path) -> list[str]:
    """The sample series' patch files in order."""
    files = sorted(str(p) for p in series_dir.glob("*.patch"))
    if not files:
        raise InputError(
            "no sample patches found",
            input_name=str(series_dir),
            hint="reinstall migcheck (its package data is incomplete) or pass --examples DIR",
        )
    return files
