"""Run untrusted builds and QEMU binaries isolated, limited, with bounded output, and reap
every process.

What a sandboxed command gets (bubblewrap, probed once per Sandbox via `probe()`):
- a cleared environment: PATH, LANG, TERM, HOME and TMPDIR (inside its own work dir) and the
  few variables the caller names; never the bot's tokens, passwords or sockets;
- a new root holding only the system dirs read-only (/usr, /bin, /lib*, a short list of /etc
  files a toolchain reads), a private size-capped /tmp, a minimal /dev and its own /proc;
  then the caller's read-only inputs and writable dirs — never the state dir, the config,
  another job's dirs, /run or host sockets;
- no network, its own pid/ipc/uts namespaces, a new session (no terminal injection), killed
  with the bot;
- no capabilities and an unprivileged uid, also when the bot is root: as root, bubblewrap
  sets up the mounts and then `setpriv` switches to `uid` (65534 unless configured) with an
  empty bounding set and no_new_privs (mode "bwrap"); as another user, bubblewrap runs in
  a user namespace with nested user namespaces disabled (mode "bwrap-userns");
- limits set inside the sandbox with `prlimit`: processes (counted per sandbox in userns mode,
  per sandbox uid in root mode), file size, address space, CPU seconds, no core files; a
  watchdog thread kills it past the wall-clock deadline or when its writable dirs use more
  than the disk budget (or hold too many files);
- /dev/kvm only when the caller asks (QEMU runs that use KVM), never for configure or ninja.

If neither mode works here, `probe()` refuses with a message that says what to install or
enable; `--no-sandbox` (mode "none") still clears the environment and applies the limits but
isolates nothing, and says so loudly.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.artifacts.capture import Capture, pump
from bot.artifacts.safefs import tree_usage
from bot.errors import ArtifactError
from bot.redact import SECRET_ENV_NAME

log = logging.getLogger(__name__)

GIB = 1024**3
MIB = 1024**2
NOBODY = 65534

# Read-only system dirs (bound when present; symlinks such as /bin -> usr/bin are recreated).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The /etc a compiler, a shell, Python and QEMU read; nothing holding secrets.
ETC_FILES = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
             "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime",
             "/etc/os-release", "/etc/debian_version", "/etc/python3*")
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_LANG = re.compile(r"[A-Za-z0-9_.@\-]{1,40}")


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one sandboxed command."""

    seconds: float  # wall clock
    memory: int  # address space per process (bytes)
    processes: int = 256  # tasks (processes and threads) of the sandbox
    file_size: int = 2 * GIB  # biggest file it may write
    disk: int = 2 * GIB  # what its writable dirs may hold in total
    files: int = 200_000  # how many entries they may hold
    cpu_seconds: int = 0  # CPU per process; 0 = the wall-clock limit
    tmp_size: int = 256 * MIB  # its private /tmp (a tmpfs)


@dataclass(frozen=True, slots=True)
class Limits:
    """Time, memory, process, file-size and disk limits for builds and QEMU runs."""

    build_seconds: float = 3600.0
    build_memory: int = 6 * GIB
    run_seconds: float = 120.0
    run_memory: int = 2 * GIB
    build_disk: int = 16 * GIB
    build_processes: int = 1024
    build_file_size: int = 4 * GIB
    run_disk: int = 2 * GIB
    run_processes: int = 256

    def build(self) -> Budget:
        """Budget of one configure or ninja run."""
        return Budget(self.build_seconds, self.build_memory, self.build_processes,
                      self.build_file_size, self.build_disk, files=2_000_000)

    def run(self) -> Budget:
        """Budget of one QEMU (or checker script) run."""
        return Budget(self.run_seconds, self.run_memory, self.run_processes, self.run_disk,
                      self.run_disk)


@dataclass(frozen=True, slots=True)
class RunResult:
    """Outcome of one limited run."""

    argv: tuple[str, ...]
    returncode: int
    output: str  # head and tail of what it printed, never more than a few hundred KiB
    seconds: float
    timed_out: bool
    killed_by: str = ""  # "" | "timeout" | "disk" | "files" | "unreadable"
    output_bytes: int = 0  # how much it really printed


@dataclass(frozen=True, slots=True)
class Sandbox:
    """How to isolate a command; `mode` is 'bwrap', 'bwrap-userns' or 'none'."""

    mode: str = "none"
    bwrap: str = "bwrap"
    uid: int = NOBODY  # host uid of sandboxed commands when the bot is root
    gid: int = NOBODY
    kvm: bool = False  # sandboxed QEMU can open /dev/kvm
    kvm_group: int = -1  # supplementary group that reaches /dev/kvm (root mode), -1 none
    ro_paths: tuple[str, ...] = ()  # system paths bound read-only (probed)
    symlinks: tuple[tuple[str, str], ...] = ()  # (target, link) recreated in the new root
    extra_ro: tuple[str, ...] = field(default_factory=tuple)  # operator's toolchain dirs
    setpriv: str = "setpriv"
    prlimit: str = "prlimit"

    @property
    def enabled(self) -> bool:
        """True unless the sandbox was explicitly disabled."""
        return self.mode != "none"

    @property
    def drops_uid(self) -> bool:
        """True when commands run as `uid` on the host (the bot is root)."""
        return self.mode == "bwrap"

    def describe(self) -> str:
        """One line for logs and reports saying what isolation is really in force."""
        if self.mode == "bwrap":
            return (f"bubblewrap as root, commands as uid {self.uid} without capabilities: no "
                    "network, read-only system, writable work dirs only, limits")
        if self.mode == "bwrap-userns":
            return ("bubblewrap in a user namespace without capabilities: no network, "
                    "read-only system, writable work dirs only, limits")
        return ("UNSANDBOXED (--no-sandbox): the series' build and QEMU run with the bot's "
                "own privileges and see its files; only for trusted series")

    # Work dirs ---------------------------------------------------------------------------
    def own(self, path: str | Path) -> Path:
        """Create dir `path` (if missing) so sandboxed commands may write it; returns it."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        st = os.lstat(p)
        if not stat.S_ISDIR(st.st_mode):
            raise ArtifactError("not a directory", input_name=str(p))
        if self.drops_uid and (st.st_uid, st.st_gid) != (self.uid, self.gid):
            os.chown(p, self.uid, self.gid, follow_symlinks=False)
        return p

    def private_dir(self, parent: str | Path, prefix: str) -> Path:
        """A fresh writable dir under `parent` for one command (no other run shares it)."""
        Path(parent).mkdir(parents=True, exist_ok=True)
        return self.own(tempfile.mkdtemp(prefix=prefix, dir=parent))

    # Command line --------------------------------------------------------------------------
    def env(self, home: str | Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The whole environment of a sandboxed command (an allow-list, nothing inherited)."""
        lang = os.environ.get("LANG", "")
        out = {"PATH": HOST_PATH, "LANG": lang if _LANG.fullmatch(lang) else "C.UTF-8",
               "TERM": "dumb", "HOME": str(home), "TMPDIR": str(home)}
        for k, v in (extra or {}).items():
            if not _ENV_NAME.fullmatch(k) or SECRET_ENV_NAME.search(k) or "\0" in v:
                raise ValueError(f"environment variable {k!r} may not enter the sandbox")
            out[k] = v
        return out

    def _limits(self, budget: Budget) -> list[str]:
        cpu = budget.cpu_seconds or max(1, int(budget.seconds) + 1)
        wanted = [("nproc", resource.RLIMIT_NPROC, budget.processes),
                  ("fsize", resource.RLIMIT_FSIZE, budget.file_size),
                  ("as", resource.RLIMIT_AS, budget.memory),
                  ("cpu", resource.RLIMIT_CPU, cpu), ("core", resource.RLIMIT_CORE, 0),
                  ("nofile", resource.RLIMIT_NOFILE, 4096)]
        out = [self.prlimit]
        for name, res, value in wanted:
            if name == "nproc" and not self.enabled:
                continue  # unsandboxed it would count every process of the bot's user
            hard = resource.getrlimit(res)[1]
            # never above what the bot itself may use: prlimit could not raise it
            out.append(f"--{name}={value if hard == resource.RLIM_INFINITY else min(value, hard)}")
        return [*out, "--"]

    def wrap(self, argv: Sequence[str], *, writable: Sequence[str | Path], cwd: str | Path,
             env: Mapping[str, str], budget: Budget, readonly: Sequence[str | Path] = (),
             kvm: bool = False, info_fd: int | None = None) -> list[str]:
        """The command line that runs `argv` inside this sandbox with `budget`; bwrap writes
        the sandbox's pid (`child-pid`, JSON) to `info_fd` when given."""
        inner = [*self._limits(budget), *argv]
        if self.mode == "none":
            return inner
        cmd = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
        if info_fd is not None:
            cmd += ["--info-fd", str(info_fd)]
        if self.mode == "bwrap-userns":
            cmd += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY),
                    "--disable-userns", "--cap-drop", "ALL"]
        else:
            # only what setpriv needs to become `uid` (and bwrap to chdir into a dir owned by
            # it); setpriv empties the bounding set and the uid change clears the rest
            cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--cap-add", "CAP_SETPCAP", "--cap-add", "CAP_DAC_OVERRIDE"]
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        for target, link in self.symlinks:
            cmd += ["--symlink", target, link]
        cmd += ["--proc", "/proc", "--dev", "/dev"]
        if kvm and self.kvm:
            cmd += ["--dev-bind", "/dev/kvm", "/dev/kvm"]
        cmd += ["--perms", "1777", "--size", str(budget.tmp_size), "--tmpfs", "/tmp"]
        system = [p for p in (*self.ro_paths, *self.extra_ro) if os.path.exists(p)]
        binds = [*(("--ro-bind", p) for p in system),
                 *(("--ro-bind", str(p)) for p in readonly),
                 *(("--bind", str(w)) for w in writable)]
        # bwrap would create missing parents of mount points as 0700 root dirs, which the
        # sandbox uid cannot enter: make them 0755 first (only outside every mounted tree).
        for d in _parents([p for _, p in binds]):
            cmd += ["--perms", "0755", "--dir", d]
        for how, p in binds:
            cmd += [how, p, p]
        cmd += ["--remount-ro", "/", "--chdir", str(cwd), "--"]
        if self.mode == "bwrap":
            groups = (["--groups", str(self.kvm_group)] if kvm and self.kvm_group >= 0
                      else ["--clear-groups"])
            cmd += [self.setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", *groups,
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        return [*cmd, *inner]


def _parents(dests: Sequence[str]) -> list[str]:
    """Ancestors of the mount points that lie outside every mounted tree, shallowest first."""
    def inside(path: str, roots: Sequence[str]) -> bool:
        return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)

    mounted = [*dests, "/proc", "/dev"]
    out: set[str] = set()
    for d in dests:
        for parent in Path(d).parents:
            p = str(parent)
            if p != "/" and not inside(p, [m for m in mounted if m != p]):
                out.add(p)
    return sorted(out, key=lambda p: (p.count("/"), p))


def _system_layout() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    ro: list[str] = []
    links: list[tuple[str, str]] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            links.append((os.readlink(d), d))
        elif os.path.isdir(d):
            ro.append(d)
    for pattern in ETC_FILES:
        ro.extend(sorted(glob.glob(pattern)) if "*" in pattern else [pattern])
    # the interpreter that runs the tree's vmstate-static-checker.py, if outside /usr
    base = os.path.realpath(sys.base_prefix)
    if not any(base == d or base.startswith(d + "/") for d in SYSTEM_DIRS):
        ro.append(base)
    return tuple(ro), tuple(links)


def _kvm_access(uid: int, gid: int) -> tuple[bool, int]:
    """(can `uid` open /dev/kvm, supplementary group that gives access or -1)."""
    try:
        st = os.stat("/dev/kvm")
    except OSError:
        return False, -1
    if not stat.S_ISCHR(st.st_mode):
        return False, -1
    if st.st_mode & 0o006 == 0o006 or (st.st_uid == uid and st.st_mode & 0o600 == 0o600):
        return True, -1
    if st.st_mode & 0o060 == 0o060 and st.st_gid != 0:
        return True, st.st_gid
    # the mode bits say no, but an ACL (`setfacl -m u:65534:rw /dev/kvm`) may say yes: ask the
    # kernel by opening it as `uid`
    return _opens_as(uid, gid, "/dev/kvm"), -1


def _opens_as(uid: int, gid: int, path: str) -> bool:
    """Whether `uid`/`gid` (no supplementary groups) can open `path` read-write (root only)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return False
    try:
        done = subprocess.run(
            [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--",
             "sh", "-c", 'exec 3<>"$0"', path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=10, check=False, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def probe(enabled: bool = True, bwrap: str = "bwrap", *, uid: int = NOBODY,
          extra_ro: Sequence[str] = ()) -> Sandbox:
    """The isolation this host can really give; ArtifactError (refusing) when it has none."""
    prlimit = shutil.which("prlimit") or "prlimit"
    if not enabled:
        log.warning("sandbox disabled (--no-sandbox): untrusted code would run unisolated")
        return Sandbox("none", bwrap, prlimit=prlimit)
    ro, links = _system_layout()
    setpriv = shutil.which("setpriv") or "setpriv"
    if os.geteuid() == 0:
        kvm, group = _kvm_access(uid, uid)
        sb = Sandbox("bwrap", bwrap, uid, uid, kvm, group, ro, links, tuple(extra_ro),
                     setpriv, prlimit)
    else:
        kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
        sb = Sandbox("bwrap-userns", bwrap, os.getuid(), os.getgid(), kvm, -1, ro, links,
                     tuple(extra_ro), setpriv, prlimit)
    problem = _self_test(sb)
    if problem:
        raise ArtifactError(
            f"refusing to build: this host cannot isolate untrusted code ({problem})",
            input_name="sandbox",
            hint="install bubblewrap and util-linux (apt-get install bubblewrap util-linux); "
                 "as a non-root user the kernel must allow unprivileged user namespaces "
                 "(kernel.unprivileged_userns_clone=1, and on Ubuntu "
                 "kernel.apparmor_restrict_unprivileged_userns=0); in a container run the bot "
                 "as root with CAP_SYS_ADMIN. --no-sandbox runs builds unisolated: only for "
                 "series you trust",
        )
    return sb


_SELF_TEST = ("id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status; "
              "cat /proc/self/uid_map")


def _self_test(sb: Sandbox) -> str:
    """'' when `sb` starts and its command has no capability and no root uid, else why not."""
    with tempfile.TemporaryDirectory(prefix="migcheck-probe-") as d:
        home = sb.own(d)
        argv = sb.wrap(["sh", "-c", _SELF_TEST], writable=[home], cwd=home, env=sb.env(home),
                       budget=Budget(20, 256 * MIB, processes=32))
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False,
                               env={"PATH": HOST_PATH}, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{argv[0]}: {exc}"
    if r.returncode != 0:
        return f"{sb.mode}: {r.stderr.strip()[:300] or 'exit ' + str(r.returncode)}"
    status = {k: v.strip() for k, v in
              (line.split(":", 1) for line in r.stdout.splitlines() if ":" in line)}
    words = r.stdout.split()
    if not words or words[0] == "0":
        return f"{sb.mode}: the sandboxed command still runs as uid 0"
    none = "0" * 16
    if status.get("CapEff") != none:
        return f"{sb.mode}: the sandboxed command keeps capabilities ({status})"
    if sb.mode == "bwrap" and (status.get("CapBnd") != none
                                    or status.get("NoNewPrivs") != "1"):
        return f"{sb.mode}: bounding set or no_new_privs not in force ({status})"
    return ""


# Running -------------------------------------------------------------------------------------
def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of `proc` (started with start_new_session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a D-state child
        pass


class Supervised:
    """One sandboxed command: output pumped into a Capture, a watchdog on time and disk."""

    def __init__(self, sandbox: Sandbox, argv: Sequence[str], *, cwd: str | Path,
                 writable: Sequence[str | Path], budget: Budget,
                 readonly: Sequence[str | Path] = (), env: Mapping[str, str] | None = None,
                 kvm: bool = False, capture: Capture | None = None) -> None:
        self.argv = tuple(argv)
        self.budget = budget
        self.writable = [Path(w) for w in writable]
        _check_writable(sandbox, self.writable)
        home = self.writable[0] if self.writable else Path(cwd)
        # bwrap tells the pid of the sandbox's init: when it is gone, so is every process of
        # the sandbox (the kernel kills and reaps them before the init of a pid namespace dies)
        self._info_r, info_w = os.pipe() if sandbox.enabled else (-1, -1)
        cmd = sandbox.wrap(argv, writable=self.writable, cwd=cwd, readonly=readonly,
                           env=sandbox.env(home, env), budget=budget, kvm=kvm,
                           info_fd=info_w if sandbox.enabled else None)
        self.capture = capture or Capture()
        self.killed_by = ""
        self.t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(cmd, cwd=str(cwd), env=_host_env(sandbox, home, env),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         pass_fds=(info_w,) if info_w >= 0 else ())
        except OSError as exc:
            if info_w >= 0:
                os.close(self._info_r)
            raise ArtifactError(f"cannot start {cmd[0]}: {exc.strerror}", input_name=argv[0],
                                hint="check that bubblewrap, util-linux and the binary exist"
                                ) from exc
        finally:
            if info_w >= 0:
                os.close(info_w)
        self._done = threading.Event()
        self._stopped = False
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=pump, args=(self.proc.stdout, self.capture),
                                        daemon=True)
        self._watch = threading.Thread(target=self._watchdog, daemon=True)
        self._reader.start()
        self._watch.start()

    def _kill(self, why: str) -> None:
        if not self.killed_by:
            self.killed_by = why
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _watchdog(self) -> None:
        deadline = self.t0 + self.budget.seconds
        next_scan = 0.0
        scan_every = 1.0
        while not self._done.is_set():
            now = time.monotonic()
            if now >= deadline:
                self._kill("timeout")
                return
            if self.writable and now >= next_scan:
                u = tree_usage(self.writable, max_entries=self.budget.files)
                took = time.monotonic() - now
                # a slow scan (huge tree) is repeated less often: at most ~10% of one core
                scan_every = max(1.0, 10 * took)
                next_scan = time.monotonic() + scan_every
                if u.bytes > self.budget.disk:
                    self._kill("disk")
                    return
                if u.entries > self.budget.files:
                    self._kill("files")
                    return
                if u.unreadable:
                    self._kill("unreadable")
                    return
            self._done.wait(min(0.2, max(0.0, deadline - now)))

    def poll(self) -> int | None:
        """The exit code once the command has ended, else None."""
        return self.proc.poll()

    def finish(self, timeout: float | None = None) -> int:
        """Wait for the command (at most `timeout` s more), then kill what is left; exit code.
        The disk budget is checked once more at the end (a fast writer can finish between
        two scans)."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill("timeout")
        self.stop()
        if self.writable and not self.killed_by:
            u = tree_usage(self.writable, max_entries=self.budget.files)
            if u.bytes > self.budget.disk:
                self.killed_by = "disk"
            elif u.entries > self.budget.files:
                self.killed_by = "files"
        return self.proc.returncode

    def stop(self) -> None:
        """Kill the whole sandbox now and collect the output (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._done.set()
        kill_group(self.proc)
        if self._info_r >= 0:
            _wait_gone(_child_pid(self._info_r))
            os.close(self._info_r)
        self._reader.join(timeout=10)
        self._watch.join(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    @property
    def seconds(self) -> float:
        """Wall time since the start."""
        return time.monotonic() - self.t0

    def result(self) -> RunResult:
        """The outcome (after finish/stop)."""
        return RunResult(self.argv, self.proc.returncode, self.capture.text(), self.seconds,
                         self.killed_by == "timeout", self.killed_by, self.capture.total)


def _child_pid(fd: int) -> int:
    """The `child-pid` bwrap wrote to its info fd (0 when it wrote none)."""
    data = b""
    os.set_blocking(fd, False)
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 4096):
            data += chunk
    try:
        return int(json.loads(data or b"{}").get("child-pid", 0))
    except (ValueError, AttributeError):
        return 0


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until process `pid` has exited (gone or a zombie)."""
    if pid <= 0:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat_line = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        if stat_line.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
            return
        time.sleep(0.01)


def _host_env(sandbox: Sandbox, home: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    # bwrap itself needs nothing; --no-sandbox runs the command with this very environment
    return sandbox.env(home, extra) if sandbox.mode == "none" else {"PATH": HOST_PATH}


def _check_writable(sandbox: Sandbox, dirs: Sequence[Path]) -> None:
    for d in dirs:
        try:
            st = os.lstat(d)
        except OSError as exc:
            raise ArtifactError(f"writable dir missing: {exc.strerror}", input_name=str(d)
                                ) from exc
        if not stat.S_ISDIR(st.st_mode):
            raise ArtifactError("writable path is not a plain directory", input_name=str(d))
        if sandbox.drops_uid and st.st_uid != sandbox.uid:
            raise ArtifactError("writable dir was not prepared with Sandbox.own()",
                                input_name=str(d))


def run_limited(sandbox: Sandbox, argv: Sequence[str], *, cwd: str | Path,
                writable: Sequence[str | Path], budget: Budget,
                readonly: Sequence[str | Path] = (), env: Mapping[str, str] | None = None,
                on_line: Callable[[str], None] | None = None, kvm: bool = False,
                keep_chars: int = 200_000) -> RunResult:
    """Run to completion under the sandbox and `budget`, streaming lines to `on_line`."""
    cap = Capture(head=keep_chars, on_line=on_line)
    job = Supervised(sandbox, argv, cwd=cwd, writable=writable, budget=budget,
                     readonly=readonly, env=env, kvm=kvm, capture=cap)
    try:
        job.finish()
    finally:
        job.stop()
    return job.result()


def limit_note(r: RunResult, budget: Budget) -> str:
    """Which limit ended a run, in words ('' when none did)."""
    return {
        "timeout": f"it timed out after {budget.seconds:.0f} s (its wall-clock limit)",
        "disk": f"its work dirs grew past the {budget.disk // MIB} MiB disk limit",
        "files": f"its work dirs held more than {budget.files} files",
        "unreadable": "it made part of its work dir unreadable to the bot",
    }.get(r.killed_by, "")


_NINJA = re.compile(r"^\[(\d+)/(\d+)\]")


def ninja_progress(line: str) -> tuple[int, int] | None:
    """(N, M) from a ninja status line `[N/M] ...`, else None."""
    m = _NINJA.match(line)
    return (int(m.group(1)), int(m.group(2))) if m else None
