"""Sandbox: what the wrapper command looks like, limits, process-group reaping, capped output."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from bot.artifacts.capture import Capture
from bot.artifacts.sandbox import Budget, Sandbox, ninja_progress, probe, run_limited
from bot.errors import ArtifactError

B = Budget(30, 1 << 30)


def test_wrap_bwrap_has_every_restriction(tmp_path: Path) -> None:
    sb = Sandbox("bwrap", ro_paths=("/usr", "/etc/passwd"), symlinks=(("usr/bin", "/bin"),))
    ro = tmp_path / "src"
    cmd = sb.wrap(["ninja"], writable=[tmp_path / "w"], readonly=[ro], cwd=tmp_path / "w",
                  env={"PATH": "/usr/bin"}, budget=B)
    s = " ".join(cmd)
    for part in ("--ro-bind /usr /usr", f"--bind {tmp_path}/w {tmp_path}/w",
                 f"--ro-bind {ro} {ro}", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                 "--die-with-parent", "--new-session", "--clearenv", "--remount-ro /",
                 f"--chdir {tmp_path}/w", "--cap-drop ALL", "--setenv PATH /usr/bin",
                 "--reuid=65534", "--bounding-set=-all", "--no-new-privs", "--nproc=256",
                 "--fsize=", "--as=1073741824", "--core=0", "--tmpfs /tmp"):
        assert part in s, part
    assert "/dev/kvm" not in s  # only QEMU runs that ask for it
    assert cmd[-2:] == ["--", "ninja"]
    assert "--ro-bind / /" not in s
    userns = " ".join(Sandbox("bwrap-userns").wrap(["x"], writable=[], cwd="/", env={},
                                                   budget=B))
    assert "--unshare-user" in userns and "--disable-userns" in userns
    none = Sandbox("none").wrap(["x"], writable=[], cwd=tmp_path, env={}, budget=B)
    assert none[0].endswith("prlimit") and none[-1] == "x"
    assert "UNSANDBOXED" in Sandbox("none").describe()


def test_kvm_only_on_request() -> None:
    sb = Sandbox("bwrap", kvm=True)
    assert "/dev/kvm" not in sb.wrap(["x"], writable=[], cwd="/", env={}, budget=B)
    assert "/dev/kvm" in sb.wrap(["x"], writable=[], cwd="/", env={}, budget=B, kvm=True)


def test_environment_is_an_allow_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCHECK_GITLAB_TOKEN", "glpat-secretsecretsecret")
    env = Sandbox("bwrap").env(tmp_path, {"CFLAGS": "-O0"})
    assert set(env) == {"PATH", "LANG", "TERM", "HOME", "TMPDIR", "CFLAGS"}
    assert env["HOME"] == env["TMPDIR"] == str(tmp_path)
    with pytest.raises(ValueError):
        Sandbox("bwrap").env(tmp_path, {"MY_TOKEN": "x"})


def test_probe_disabled_and_enabled() -> None:
    assert probe(False).mode == "none"
    assert probe(True).mode in ("bwrap", "bwrap-userns")


def test_probe_refuses_when_bubblewrap_is_missing() -> None:
    with pytest.raises(ArtifactError, match="refusing to build") as ei:
        probe(True, bwrap="/nonexistent/bwrap")
    assert "bubblewrap" in str(ei.value) and "--no-sandbox" in str(ei.value)


def test_run_limited_streams_lines_and_status(tmp_path: Path) -> None:
    lines: list[str] = []
    sb = probe(True)
    w = sb.own(tmp_path / "w")
    r = run_limited(sb, ["sh", "-c", "echo '[1/2] a'; echo '[2/2] b'; exit 3"],
                    cwd=w, writable=[w], budget=B, on_line=lines.append)
    assert r.returncode == 3 and not r.timed_out
    assert [ninja_progress(x) for x in lines] == [(1, 2), (2, 2)]


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    t0 = time.monotonic()
    r = run_limited(Sandbox("none"), ["sh", "-c", f"sleep 60 & echo $! > {marker}; wait"],
                    cwd=tmp_path, writable=[tmp_path], budget=Budget(1, 1 << 30))
    assert r.timed_out and r.killed_by == "timeout" and time.monotonic() - t0 < 15
    pid = int(marker.read_text())
    time.sleep(0.2)
    status = Path(f"/proc/{pid}/status")
    # gone, or a zombie waiting for a PID 1 that does not reap (containers)
    assert not status.exists() or "\nState:\tZ" in status.read_text()


def test_memory_limit(tmp_path: Path) -> None:
    r = run_limited(Sandbox("none"), [sys.executable, "-c", "b = bytearray(800 << 20)"],
                    cwd=tmp_path, writable=[tmp_path], budget=Budget(30, 256 << 20))
    assert r.returncode != 0 and "MemoryError" in r.output


def test_writable_dirs_must_be_prepared(tmp_path: Path) -> None:
    sb = probe(True)
    if not sb.drops_uid:
        pytest.skip("only root hands work dirs to another uid")  # pragma: no cover
    with pytest.raises(ArtifactError, match=r"Sandbox\.own"):
        run_limited(sb, ["true"], cwd=tmp_path, writable=[tmp_path], budget=B)


def test_network_and_writes_blocked_in_bwrap(tmp_path: Path) -> None:
    sb = probe(True)
    # CI installs bubblewrap and runs as root: the real sandbox must be available there.
    assert sb.mode.startswith("bwrap"), sb.describe()
    # A listener on the host's loopback: reachable without the sandbox (checked), unreachable
    # from the sandbox's own network namespace. No packet ever leaves this machine.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    w = sb.own(tmp_path / "w")
    code = ("import socket\n"
            f"try:\n socket.create_connection(('127.0.0.1', {port}), timeout=2); print('NET')\n"
            "except OSError as e: print('NONET', e.errno)\n"
            "try:\n open('/etc/migcheck-probe', 'w'); print('WROTE')\n"
            "except OSError as e: print('RO', e.errno)\n"
            f"open('{w}/ok', 'w').write('x'); print('WORKDIR-OK')\n")
    r = run_limited(sb, ["python3", "-c", code], cwd=w, writable=[w], budget=B)
    assert "NONET" in r.output and "RO" in r.output and "WORKDIR-OK" in r.output, r.output
    assert not Path("/etc/migcheck-probe").exists()
    listener.close()


def test_capture_keeps_head_and_tail_in_fixed_memory() -> None:
    lines: list[str] = []
    cap = Capture(head=100, tail=50, max_line=20, on_line=lines.append)
    for _ in range(1000):
        cap.feed(b"x" * 1000)
    cap.feed(b"\nEND")
    cap.finish()
    assert cap.total == 1_000_004 and cap.memory() <= 100 + 2 * 50 + 20
    text = cap.text()
    assert text.startswith("x" * 100) and text.endswith("END") and "not kept" in text
    assert lines[0] == "x" * 20 + " [line cut]" and lines[1] == "END"


def test_os_environment_never_reaches_the_command(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_PLAIN_VAR", "visible-outside")
    sb = probe(True)
    w = sb.own(tmp_path / "w")
    r = run_limited(sb, ["env"], cwd=w, writable=[w], budget=B)
    assert "visible-outside" not in r.output and f"HOME={w}" in r.output
    assert os.environ["SOME_PLAIN_VAR"] == "visible-outside"


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another uid needs root (CI is root)")
def test_device_access_is_asked_of_the_kernel_so_acls_count() -> None:
    """/dev/kvm is often 0600 root:root plus an ACL for the build user: mode bits alone would
    say no. The probe opens it as the sandbox uid instead; shown here on a file of our own."""
    import shutil
    import subprocess
    import tempfile

    from bot.artifacts.sandbox import NOBODY, _opens_as

    home = Path(tempfile.mkdtemp(prefix="migcheck-acl-"))
    try:
        home.chmod(0o711)
        dev = home / "fake-kvm"
        dev.write_bytes(b"")
        dev.chmod(0o600)
        assert not _opens_as(NOBODY, NOBODY, str(dev))
        subprocess.run(["setfacl", "-m", f"u:{NOBODY}:rw", str(dev)], check=True)
        assert _opens_as(NOBODY, NOBODY, str(dev))
        subprocess.run(["setfacl", "-x", f"u:{NOBODY}", str(dev)], check=True)
        assert not _opens_as(NOBODY, NOBODY, str(dev))
    finally:
        shutil.rmtree(home)
