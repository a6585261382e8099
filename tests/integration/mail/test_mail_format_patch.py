"""`migcheck mail review` on plain `git format-patch` output (no --thread, no Message-ID):
one series, applied in memory, reviewed — not one apply-failed series per patch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mailfix import sample_repo

from bot.commands.demo import examples_dir


def test_format_patch_directory_is_one_reviewed_series(tmp_path: Path) -> None:
    repo, base = sample_repo(tmp_path)
    patches = examples_dir() / "sample-series"
    assert not any(b"Message-ID" in p.read_bytes() for p in patches.glob("*.patch"))
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "mail", "review", str(patches), "--repo", repo,
         "--base", base, "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    status = [ln for ln in proc.stdout.splitlines() if ln.startswith("<")]
    assert len(status) == 1, proc.stdout
    assert status[0].endswith(": reviewed (3 finding(s))")
    assert "1 series; 3 replies" in proc.stdout
    assert "apply-failed" not in proc.stdout
