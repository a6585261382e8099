"""Run untrusted builds and QEMU binaries with no network, a read-only system, time and memory
limits, and reap every process.

Mechanism, in order of preference (probed once per Sandbox via `probe()`):
1. bubblewrap: `bwrap --ro-bind / / --dev /dev --proc /proc --bind WORK WORK --unshare-net
   --unshare-pid --die-with-parent` (adds `--unshare-user` when plain bwrap is refused);
2. `unshare --net` (util-linux): network only, the file system stays writable — reported as
   degraded by `describe()`;
3. nothing: refused unless the sandbox is explicitly disabled (`--no-sandbox`).
Limits apply in every mode: a wall-clock timeout (the whole process group is killed) and
RLIMIT_AS set in the child before exec.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.errors import ArtifactError

GIB = 1024**3


@dataclass(frozen=True, slots=True)
class Limits:
    """Time (seconds) and address-space (bytes) limits for builds and QEMU runs."""

    build_seconds: float = 3600.0
    build_memory: int = 6 * GIB
    run_seconds: float = 120.0
    run_memory: int = 2 * GIB


@dataclass(frozen=True, slots=True)
class RunResult:
    """Outcome of one limited run."""

    argv: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    timed_out: bool


@dataclass(frozen=True, slots=True)
class Sandbox:
    """How to isolate a command; `mode` is 'bwrap', 'bwrap-userns', 'unshare-net' or 'none'."""

    mode: str = "none"
    bwrap: str = "bwrap"
    extra_ro: tuple[str, ...] = field(default_factory=tuple)

    @property
    def enabled(self) -> bool:
        """True unless the sandbox was explicitly disabled."""
        return self.mode != "none"

    def describe(self) -> str:
        """One line for logs and reports saying what isolation is really in force."""
        return {
            "bwrap": "bubblewrap: no network, read-only system, writable work dir only",
            "bwrap-userns": "bubblewrap (user namespace): no network, read-only system, "
                            "writable work dir only",
            "unshare-net": "DEGRADED: unshare --net only (no network); the file system is "
                           "NOT read-only because bubblewrap does not work here",
            "none": "sandbox disabled (--no-sandbox)",
        }[self.mode]

    def wrap(self, argv: Sequence[str], *, writable: Sequence[str | Path], cwd: str | Path,
             env: Mapping[str, str] | None = None) -> list[str]:
        """The command line that runs `argv` inside this sandbox."""
        if self.mode in ("bwrap", "bwrap-userns"):
            cmd = [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                   "--dev-bind-try", "/dev/kvm", "/dev/kvm"]
            for w in writable:
                cmd += ["--bind", str(w), str(w)]
            cmd += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                    "--die-with-parent", "--chdir", str(cwd)]
            if self.mode == "bwrap-userns":
                cmd.append("--unshare-user")
            for k, v in (env or {}).items():
                cmd += ["--setenv", k, v]
            return [*cmd, "--", *argv]
        if self.mode == "unshare-net":
            return ["unshare", "--net", "--", *argv]
        return list(argv)


def probe(enabled: bool = True, bwrap: str = "bwrap") -> Sandbox:
    """Find the strongest isolation that actually works here; ArtifactError if none does."""
    if not enabled:
        return Sandbox("none", bwrap)
    base = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
            "--unshare-pid", "--die-with-parent"]
    tries: list[tuple[str, list[str]]] = [
        ("bwrap", [*base, "--", "true"]),
        ("bwrap-userns", [*base, "--unshare-user", "--", "true"]),
        ("unshare-net", ["unshare", "--net", "--", "true"]),
    ]
    errors = []
    for mode, cmd in tries:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{cmd[0]}: {exc}")
            continue
        if r.returncode == 0:
            return Sandbox(mode, bwrap)
        errors.append(f"{mode}: {r.stderr.strip()[:200]}")
    raise ArtifactError(
        "no sandbox mechanism works on this machine (" + "; ".join(errors) + ")",
        input_name="sandbox",
        hint="install bubblewrap and allow user namespaces, or pass --no-sandbox to run "
             "untrusted builds unisolated (only for trusted series)",
    )


def _limit_memory(max_bytes: int) -> Callable[[], None]:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return preexec


def kill_group(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGKILL the process group of `proc` (started with start_new_session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a D-state child
        pass


def spawn(sandbox: Sandbox, argv: Sequence[str], *, cwd: str | Path,
          writable: Sequence[str | Path], memory: int, env: Mapping[str, str] | None = None,
          stdout: int | IO[bytes] | None = subprocess.PIPE,
          stderr: int | IO[bytes] | None = subprocess.STDOUT) -> subprocess.Popen[bytes]:
    """Start `argv` sandboxed in its own process group with RLIMIT_AS; caller must reap it."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    cmd = sandbox.wrap(argv, writable=writable, cwd=cwd, env=env)
    try:
        return subprocess.Popen(cmd, cwd=str(cwd), env=full_env, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=stderr, start_new_session=True,
                                preexec_fn=_limit_memory(memory))
    except OSError as exc:
        raise ArtifactError(f"cannot start {argv[0]}: {exc.strerror}", input_name=argv[0],
                            hint="check the binary path") from exc


def run_limited(sandbox: Sandbox, argv: Sequence[str], *, cwd: str | Path,
                writable: Sequence[str | Path], timeout: float, memory: int,
                env: Mapping[str, str] | None = None,
                on_line: Callable[[str], None] | None = None,
                keep_chars: int = 200_000) -> RunResult:
    """Run to completion under the sandbox and limits, streaming lines to `on_line`."""
    t0 = time.monotonic()
    proc = spawn(sandbox, argv, cwd=cwd, writable=writable, memory=memory, env=env)
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    chunks: list[str] = []
    size = 0
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace")
            if size < keep_chars:
                chunks.append(line)
                size += len(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
        proc.wait()
    finally:
        timer.cancel()
        kill_group(proc)  # also takes down anything the command left behind
        if proc.stdout is not None:
            proc.stdout.close()
    return RunResult(tuple(argv), proc.returncode, "".join(chunks), time.monotonic() - t0,
                     timed_out.is_set())


_NINJA = re.compile(r"^\[(\d+)/(\d+)\]")


def ninja_progress(line: str) -> tuple[int, int] | None:
    """(N, M) from a ninja status line `[N/M] ...`, else None."""
    m = _NINJA.match(line)
    return (int(m.group(1)), int(m.group(2))) if m else None
