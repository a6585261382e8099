"""The demo data ships inside the wheel: a non-editable install run from an unrelated
directory prints the three sample findings (no source checkout needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_wheel_carries_the_demo_and_it_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    [wheel] = dist.glob("migcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/data/examples/sample-base/hw/misc/foo.c" in names
    assert sum(n.startswith("bot/data/examples/sample-series/000") for n in names) == 4
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(site), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import bot, sys; print(bot.__file__, file=sys.stderr); from bot.cli import main; " \
        "raise SystemExit(main(['demo']))"  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(site)}, cwd=elsewhere,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.stderr.splitlines()[0].startswith(str(site)), out.stderr  # the installed copy
    assert out.returncode == 0, out.stdout + out.stderr  # the demo succeeds by finding them
    assert "3 findings (2 errors, 1 warning, 0 notes) in 3 patches" in out.stdout
    for rule in ("MIG002", "MIG006", "MIG030"):
        assert rule in out.stdout
