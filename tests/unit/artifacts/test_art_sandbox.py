"""Sandbox: what the wrapper command looks like, limits, process-group reaping."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from bot.artifacts.sandbox import Sandbox, ninja_progress, probe, run_limited


def test_wrap_bwrap_has_every_restriction(tmp_path: Path) -> None:
    cmd = Sandbox("bwrap").wrap(["ninja"], writable=[tmp_path], cwd=tmp_path)
    s = " ".join(cmd)
    for part in ("--ro-bind / /", f"--bind {tmp_path} {tmp_path}", "--unshare-net",
                 "--die-with-parent", "--unshare-pid", f"--chdir {tmp_path}"):
        assert part in s
    assert cmd[-2:] == ["--", "ninja"]
    assert Sandbox("unshare-net").wrap(["x"], writable=[], cwd=tmp_path)[:2] == ["unshare",
                                                                                "--net"]
    assert Sandbox("none").wrap(["x"], writable=[], cwd=tmp_path) == ["x"]
    assert "DEGRADED" in Sandbox("unshare-net").describe()


def test_probe_disabled_and_enabled() -> None:
    assert probe(False).mode == "none"
    assert probe(True).mode in ("bwrap", "bwrap-userns", "unshare-net")


def test_run_limited_streams_lines_and_status(tmp_path: Path) -> None:
    lines: list[str] = []
    r = run_limited(probe(True), ["sh", "-c", "echo '[1/2] a'; echo '[2/2] b'; exit 3"],
                    cwd=tmp_path, writable=[tmp_path], timeout=30, memory=1 << 30,
                    on_line=lines.append)
    assert r.returncode == 3 and not r.timed_out
    assert [ninja_progress(x) for x in lines] == [(1, 2), (2, 2)]


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    t0 = time.monotonic()
    r = run_limited(Sandbox("none"), ["sh", "-c", f"sleep 60 & echo $! > {marker}; wait"],
                    cwd=tmp_path, writable=[tmp_path], timeout=1, memory=1 << 30)
    assert r.timed_out and time.monotonic() - t0 < 15
    pid = int(marker.read_text())
    time.sleep(0.2)
    status = Path(f"/proc/{pid}/status")
    # gone, or a zombie waiting for a PID 1 that does not reap (containers)
    assert not status.exists() or "\nState:\tZ" in status.read_text()


def test_memory_limit(tmp_path: Path) -> None:
    r = run_limited(Sandbox("none"), [sys.executable, "-c", "b = bytearray(800 << 20)"],
                    cwd=tmp_path, writable=[tmp_path], timeout=30, memory=256 << 20)
    assert r.returncode != 0 and "MemoryError" in r.output


def test_network_and_writes_blocked_in_bwrap(tmp_path: Path) -> None:
    sb = probe(True)
    # CI installs bubblewrap and runs as root: the real sandbox must be available there.
    assert sb.mode.startswith("bwrap"), sb.describe()
    # A listener on the host's loopback: reachable without the sandbox (checked), unreachable
    # from the sandbox's own network namespace. No packet ever leaves this machine.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    code = ("import socket\n"
            f"try:\n socket.create_connection(('127.0.0.1', {port}), timeout=2); print('NET')\n"
            "except OSError as e: print('NONET', e.errno)\n"
            "try:\n open('/etc/migcheck-probe', 'w'); print('WROTE')\n"
            "except OSError as e: print('RO', e.errno)\n"
            f"open('{tmp_path}/ok', 'w').write('x'); print('WORKDIR-OK')\n")
    r = run_limited(sb, [sys.executable, "-c", code], cwd=tmp_path, writable=[tmp_path],
                    timeout=30, memory=1 << 30)
    assert "NONET" in r.output and "RO" in r.output and "WORKDIR-OK" in r.output, r.output
    assert not Path("/etc/migcheck-probe").exists()
    listener.close()
