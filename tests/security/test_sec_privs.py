"""Issue 10 item 3: run as root, the build keeps no capability and no root uid (a remount of
/ fails and nothing outside is written); processes, file size, disk, CPU and wall time are
limited; /dev/kvm is not there for configure and ninja."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from secfix import PROFILE, hostile_series

from bot.artifacts.build import build_pair
from bot.artifacts.sandbox import Limits, probe
from bot.errors import BuildError

MIB = 1024 * 1024

ESCAPE = r"""{
id -u; grep -E '^Cap(Eff|Bnd)' /proc/self/status
for d in / "$(dirname TARGET)" "$(dirname "$(dirname TARGET)")"; do
  mount -o remount,bind,rw "$d" && echo "REMOUNTED $d"
done
unshare -m sh -c 'mount -o remount,bind,rw / && echo REMOUNTED-IN-NS' 2>&1
echo pwned > TARGET && echo "WROTE TARGET"
test -e /dev/kvm && echo "KVM-VISIBLE"
grep -E 'Max (processes|file size|cpu time)' /proc/self/limits
} > "$PWD/report.txt" 2>&1
"""


def test_no_capability_no_root_no_remount_no_kvm(tmp_path: Path) -> None:
    target = tmp_path / "outside" / "pwned"
    target.parent.mkdir()
    repo, base, head = hostile_series(tmp_path, ESCAPE.replace("TARGET", str(target)))
    build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
               limits=Limits())
    report = (tmp_path / "w" / "build" / "report.txt").read_text()
    assert not target.exists(), report
    lines = report.splitlines()
    assert lines[0] != "0", report  # not root, also when the bot is (CI)
    assert "CapEff:\t0000000000000000" in report, report
    assert "REMOUNTED" not in report and "WROTE" not in report, report
    assert "KVM-VISIBLE" not in report, report  # /dev/kvm is for QEMU runs only
    limits = {line.split("  ")[0]: line.split()[-3:] for line in lines if line.startswith("Max")}
    for name in ("Max processes", "Max file size", "Max cpu time"):
        assert "unlimited" not in limits[name], report


FORK_BOMB = r"""python3 - > "$PWD/report.txt" 2>&1 <<'PY'
import os, time
n = 0
for _ in range(300):
    try:
        pid = os.fork()
    except OSError as e:
        print("FORK-FAILED", e.errno)
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    n += 1
print("FORKED", n)
PY
"""


def test_process_limit(tmp_path: Path) -> None:
    repo, base, head = hostile_series(tmp_path, FORK_BOMB)
    build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
               limits=Limits(build_processes=64))
    report = (tmp_path / "w" / "build" / "report.txt").read_text()
    assert "FORK-FAILED" in report, report
    forked = int(report.split("FORKED")[1].split()[0])
    assert forked < 64, report


def test_file_size_limit(tmp_path: Path) -> None:
    gen = 'head -c 100000000 /dev/zero > big; echo "rc=$?" > "$PWD/report.txt"\n'
    repo, base, head = hostile_series(tmp_path, gen)
    build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
               limits=Limits(build_file_size=8 * MIB))
    assert os.path.getsize(tmp_path / "w" / "build" / "big") <= 8 * MIB
    assert (tmp_path / "w" / "build" / "report.txt").read_text() != "rc=0\n"


def test_disk_limit_stops_the_build(tmp_path: Path) -> None:
    gen = ('i=0; while [ $i -lt 160 ]; do head -c 1048576 /dev/zero > "f$i"; i=$((i+1)); '
           'sleep 0.02; done\n')
    repo, base, head = hostile_series(tmp_path, gen)
    with pytest.raises(BuildError, match="disk limit") as ei:
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits(build_disk=24 * MIB))
    assert ei.value.input_name == "head"
    written = sum(f.stat().st_size for f in (tmp_path / "w" / "build").glob("f*"))
    assert written < 100 * MIB  # stopped on the way, not after all 160 MiB


def test_wall_clock_limit_kills_a_hung_build(tmp_path: Path) -> None:
    gen = "sleep 600 &\nwhile :; do :; done\n"
    repo, base, head = hostile_series(tmp_path, gen)
    with pytest.raises(BuildError, match="timed out"):
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits(build_seconds=3))


def test_build_is_refused_when_the_host_cannot_isolate(tmp_path: Path) -> None:
    """No bubblewrap on PATH (only util-linux's unshare, which isolates the network alone):
    `check --build` says so and exits 2 instead of building with a writable file system."""
    import shutil
    import subprocess
    import sys

    from secfix import ROOT

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh", "true", "env", "cat", "dirname", "python3", "unshare", "prlimit",
                 "setpriv", "cc", "ninja"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    repo, base, head = hostile_series(tmp_path, "echo fine\n")
    r = subprocess.run([sys.executable, "-m", "bot", "check", "--repo", str(repo),
                        f"{base}..{head}", "--build", "--no-migrate", "--checker", "builtin",
                        "--workdir", str(tmp_path / "w")],
                       cwd=ROOT, env={**os.environ, "PATH": str(bin_dir)}, capture_output=True,
                       text=True, timeout=300, check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "refusing to build" in r.stderr and "bubblewrap" in r.stderr, r.stderr
    assert "--no-sandbox" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "w" / "b" / "build").exists()  # nothing was built
