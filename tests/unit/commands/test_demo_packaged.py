"""The demo data ships inside the wheel: the `migcheck` console script of a non-editable install
in a fresh virtual environment, run from an unrelated directory, prints the same report as the
checkout does (the three sample findings); no source checkout and no network needed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "bot" / "data" / "examples"
_TIMING = re.compile(r"\(\d+ files parsed, [0-9.]+ s\)")


def _run(
    cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, f"{cmd}\n{out.stdout}\n{out.stderr}"
    return out


def _clean_env() -> dict[str, str]:
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PIP_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def test_wheel_carries_the_demo_and_it_runs_outside_the_checkout(tmp_path: Path) -> None:
    # Build from a copy of what the wheel is made of, so no stale build/ of the checkout
    # can supply a file the package data rules would miss.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", src)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for pkg in ("bot", "rules"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=skip)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "-q", "-w", str(dist), str(src)], cwd=tmp_path, env=_clean_env())  # fmt: skip
    # the distribution is qemu-migcheck ("migcheck" on the public index is someone else's)
    [wheel] = dist.glob("qemu_migcheck-*.whl")
    meta = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
    assert "\nName: qemu-migcheck\n" in zipfile.ZipFile(wheel).read(meta).decode()
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("bot/data/examples/")}
    on_disk = {
        p.relative_to(ROOT).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped == on_disk  # every sample file, at any depth
    assert sum(n.startswith("bot/data/examples/sample-series/000") for n in shipped) == 4

    # A fresh venv holding only the wheel; the dependencies (pygit2, tree-sitter, ...) come
    # from this interpreter's site-packages through a .pth path line, which adds the directory
    # without running its .pth files, so the checkout's editable hook stays out.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=_clean_env())
    vpy = venv / "bin" / "python"
    vsite = Path(
        _run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout
        .strip()
    )  # fmt: skip
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (vsite / "zz_outer_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))
    _run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "--no-deps", "--no-index",
          "-q", str(wheel)], env=_clean_env())  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env()
    where = _run([str(vpy), "-c", "import bot; print(bot.__file__)"], cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(vsite), where.stdout  # the installed copy
    installed = _run([str(venv / "bin" / "migcheck"), "demo"], cwd=elsewhere, env=env).stdout
    checkout = _run([sys.executable, "-m", "bot", "demo"], cwd=ROOT).stdout
    assert "3 findings (2 errors, 1 warning, 0 notes) in 3 patches" in installed
    for rule in ("MIG002", "MIG006", "MIG030"):
        assert rule in installed
    assert _TIMING.sub("(…)", installed) == _TIMING.sub("(…)", checkout)
