"""Real migration through a file: source paused, `migrate` over QMP, destination
`-incoming defer` + `migrate-incoming`; every QEMU process is time-limited and reaped.

The stream goes through `exec:cat > FILE` / `exec:cat FILE`, which every QEMU since 1.x
supports (the `file:` URI needs 8.2+). Older destinations exit on a failed load instead of
reporting `failed` over QMP, so the destination's stderr is the authoritative error text.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qemu.qmp import QMPClient

from bot.artifacts.capture import Capture
from bot.artifacts.dump import QemuBinary
from bot.artifacts.kinds import BWD, FWD, make_finding
from bot.artifacts.sandbox import Limits, Sandbox, Supervised
from bot.errors import ArtifactError
from bot.findings import Evidence, Finding, Severity
from bot.redact import shown


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """Outcome of one save (src) + load (dst) round."""

    ok: bool
    machine: str
    src: str
    dst: str
    error: str  # destination's error text ("" when ok)
    src_status: str
    dst_status: str
    stream_bytes: int
    seconds: float
    src_cmdline: tuple[str, ...] = field(default_factory=tuple)
    dst_cmdline: tuple[str, ...] = field(default_factory=tuple)


def default_accel(sandbox: Sandbox | None = None) -> str:
    """kvm when sandboxed QEMU can open /dev/kvm, else tcg (no guest code runs with -S
    anyway; Debian's QEMU has no qtest accelerator)."""
    if sandbox is not None and sandbox.enabled:
        return "kvm" if sandbox.kvm else "tcg"
    return "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) else "tcg"


def _vm_args(machine: str, devices: Sequence[str], accel: str, qmp: Path) -> list[str]:
    args = ["-nodefaults", "-machine", machine, "-S", "-display", "none", "-accel", accel,
            "-qmp", f"unix:{qmp},server=on,wait=off", "-serial", "none", "-monitor", "none"]
    for d in devices:
        args += ["-device", d]
    return args


class _Connect:
    """The QMP socket a sandboxed QEMU created, reached without following a symlink it may
    have put in its place: connect through /proc/self/fd of an O_PATH|O_NOFOLLOW descriptor."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
        if not stat.S_ISSOCK(os.fstat(self.fd).st_mode):
            os.close(self.fd)
            raise ArtifactError("QMP path is not a socket", input_name=str(path),
                                hint="the QEMU binary replaced its QMP socket")
        self.path = f"/proc/self/fd/{self.fd}"

    def close(self) -> None:
        os.close(self.fd)


@contextlib.asynccontextmanager
async def _qemu(sandbox: Sandbox, qemu: QemuBinary, args: list[str], run: Path, qmp: Path,
                limits: Limits, *, kvm: bool, inputs: Sequence[str] = ()
                ) -> AsyncIterator[tuple[Supervised, QMPClient]]:
    """Start one QEMU (writing only to its own dir `run`) and connect QMP; always kill and
    reap it on exit. Its output is kept in a capped buffer (job.capture)."""
    argv = qemu.argv(*args)
    job = Supervised(sandbox, argv, cwd=run, writable=[run],
                     readonly=[*qemu.inputs(), *inputs], budget=limits.run(), kvm=kvm,
                     capture=Capture(head=16_000, tail=16_000))
    client = QMPClient(f"migcheck-{qmp.stem}")
    conn: _Connect | None = None
    try:
        deadline = time.monotonic() + min(30.0, limits.run_seconds)
        while True:
            if job.poll() is not None:
                job.stop()
                raise ArtifactError(
                    f"QEMU exited at startup (exit {job.proc.returncode}): "
                    f"{shown(job.capture.last(1200), 1300)}", input_name=argv[0],
                    hint="check the machine type and -device list with this binary")
            if conn is None and os.path.lexists(qmp):
                conn = _Connect(qmp)
            if conn is not None and _listening(conn.path):
                try:
                    await client.connect(conn.path)
                    break
                except Exception:  # QEMU may exit (bad -device) right after listening
                    client = QMPClient(f"migcheck-{qmp.stem}")
                    await asyncio.sleep(0.1)
                    continue
            if time.monotonic() > deadline:
                raise ArtifactError("QMP socket did not come up in time", input_name=argv[0])
            await asyncio.sleep(0.05)
        yield job, client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 5)
        if conn is not None:
            conn.close()
        job.stop()


def _listening(path: str) -> bool:
    """True once something accepts on the unix socket (avoids qemu.qmp's error logging)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
        except OSError:
            return False
    return True


_ERR_LINE = re.compile(r"^qemu-system-\S+: (.*)$")
ERROR_CHARS = 2000  # the destination's words quoted in a finding


def destination_error(log_text: str, fallback: str = "") -> str:
    """The destination's error lines (without the program prefix), most specific first."""
    lines = []
    for line in log_text.splitlines():
        m = _ERR_LINE.match(line.strip())
        text = m.group(1) if m else line.strip()
        if text and not text.startswith("warning:") and "terminating on signal" not in text:
            lines.append(text)
    return " | ".join(lines) if lines else fallback


async def _wait_migration(client: QMPClient, job: Supervised,
                          deadline: float) -> tuple[str, str]:
    """Poll query-migrate until completed/failed or the process exits: (status, error)."""
    while time.monotonic() < deadline:
        if job.poll() is not None:
            return "exited", ""
        try:
            info: Any = await asyncio.wait_for(client.execute("query-migrate"), 5)
        except Exception:
            await asyncio.sleep(0.1)
            continue
        status = str(info.get("status", "")) if isinstance(info, dict) else ""
        if status in ("completed", "failed", "cancelled"):
            return status, str(info.get("error-desc", ""))[:ERROR_CHARS]
        await asyncio.sleep(0.05)
    return "timeout", ""


def _stream_of(run: Path) -> tuple[str, int]:
    """The saved stream (path, bytes) if the source left a plain regular file there."""
    p = run / "stream"
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return "", 0
    if not stat.S_ISREG(st.st_mode):
        raise ArtifactError("the migration stream is not a regular file", input_name=str(p),
                            hint="the source QEMU replaced its stream file")
    return str(p), st.st_size


def _keep_stream(run: Path, dest: Path) -> None:
    """Keep the saved stream next to the run dirs (for a look after the fact); only a plain
    regular file is kept, renamed, never followed."""
    with contextlib.suppress(OSError, ArtifactError):
        if _stream_of(run)[0]:
            os.replace(run / "stream", dest)


async def _migrate(src: QemuBinary, dst: QemuBinary, machine: str, devices: Sequence[str],
                   dst_machine: str | None, dst_devices: Sequence[str] | None,
                   workdir: Path, sandbox: Sandbox, limits: Limits, accel: str,
                   tag: str) -> MigrationResult:
    t0 = time.monotonic()
    kvm = accel == "kvm"
    # one private dir per QEMU: the source writes its stream there, the destination sees
    # only that file, read-only; neither can touch the other's files or the binaries
    src_run = sandbox.private_dir(workdir, f"{tag}s")
    dst_run = sandbox.private_dir(workdir, f"{tag}d")
    stream = src_run / "stream"
    src_args = _vm_args(machine, devices, accel, src_run / "qmp")
    dm = dst_machine or machine
    dd = list(dst_devices if dst_devices is not None else devices)
    dst_args = [*_vm_args(dm, dd, accel, dst_run / "qmp"), "-incoming", "defer"]
    deadline = time.monotonic() + limits.run_seconds
    try:
        async with _qemu(sandbox, src, src_args, src_run, src_run / "qmp", limits,
                         kvm=kvm) as (sjob, sq):
            await sq.execute("migrate", {"uri": f"exec:cat > {shlex.quote(str(stream))}"})
            s_status, s_err = await _wait_migration(sq, sjob, deadline)
        if s_status != "completed":
            raise ArtifactError(f"saving {machine} with {src.path} ended '{s_status}': "
                                f"{shown(s_err or sjob.capture.last(1200), 1300)}",
                                input_name=src.path)
        path, size = _stream_of(src_run)
        async with _qemu(sandbox, dst, dst_args, dst_run, dst_run / "qmp", limits, kvm=kvm,
                         inputs=[path] if path else []) as (djob, dq):
            await dq.execute("migrate-incoming",
                             {"uri": f"exec:cat {shlex.quote(str(stream))}"})
            d_status, d_err = await _wait_migration(dq, djob, deadline)
            if d_status == "exited":
                with contextlib.suppress(subprocess.TimeoutExpired):
                    djob.proc.wait(timeout=5)
            djob.stop()
            log_text = djob.capture.last(4000)
    finally:
        _keep_stream(src_run, workdir / f"{tag}.stream")
        shutil.rmtree(src_run, ignore_errors=True)
        shutil.rmtree(dst_run, ignore_errors=True)
    ok = d_status == "completed"
    error = "" if ok else destination_error(log_text, d_err or f"destination {d_status}")
    if not ok and d_err and d_err not in error:
        error = f"{d_err} | {error}"
    return MigrationResult(ok, machine, src.path, dst.path, shown(error, ERROR_CHARS),
                           s_status, d_status, size, time.monotonic() - t0,
                           tuple(src.argv(*src_args)), tuple(dst.argv(*dst_args)))


async def _try_devices(qemu: QemuBinary, machine: str, devices: Sequence[str], workdir: Path,
                       sandbox: Sandbox, limits: Limits, accel: str
                       ) -> tuple[list[str], list[tuple[str, str]]]:
    ok: list[str] = []
    bad: list[tuple[str, str]] = []
    for i, dev in enumerate(devices):
        run = sandbox.private_dir(workdir, f"p{i}")
        try:
            async with _qemu(sandbox, qemu, _vm_args(machine, [dev], accel, run / "qmp"), run,
                             run / "qmp", limits, kvm=accel == "kvm") as (_, client):
                await client.execute("query-status")
            ok.append(dev)
        except ArtifactError as exc:
            bad.append((dev, exc.what))
        finally:
            shutil.rmtree(run, ignore_errors=True)
    return ok, bad


def instantiable(qemu: QemuBinary, machine: str, devices: Sequence[str], *,
                 workdir: str | Path, sandbox: Sandbox, limits: Limits,
                 accel: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Split `devices` into those `machine` can create (paused) and (device, why) for the rest."""
    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_try_devices(qemu, machine, devices, wd, sandbox, limits,
                                    accel or default_accel(sandbox)))


def migrate_once(src: QemuBinary, dst: QemuBinary, machine: str, *, workdir: str | Path,
                 sandbox: Sandbox, limits: Limits, devices: Sequence[str] = (),
                 dst_machine: str | None = None, dst_devices: Sequence[str] | None = None,
                 accel: str | None = None, tag: str = "mig") -> MigrationResult:
    """Save `machine` (+devices) from `src` into a file and load it into `dst`."""
    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    # Unix socket paths are limited to 108 bytes; keep them short under a deep work dir.
    if len(str(wd / f"{tag}sxxxxxxxx" / "qmp")) > 100:
        raise ArtifactError("work directory path too long for a QMP unix socket",
                            input_name=str(wd), hint="use a shorter --workdir")
    return asyncio.run(_migrate(src, dst, machine, devices, dst_machine, dst_devices, wd,
                                sandbox, limits, accel or default_accel(sandbox), tag))


_ERROR_KINDS: tuple[tuple[str, str], ...] = (
    (r"Unknown (savevm )?section|Unknown ramblock", "section-removed"),
    (r"subsection .* does not exist", "subsection-added"),
    (r"version_id|unsupported version|too (old|new)", "version"),
    (r"section footer|Mismatched section id", "field-size"),
)


def migration_finding(res: MigrationResult, direction: str) -> Finding | None:
    """A Finding (evidence: migration) for a failed round, None when it succeeded."""
    if res.ok:
        return None
    m = (re.search(r"(?:section or instance|subsection|device) '([^']+)'", res.error)
         or re.search(r"section (?:footer|start) for ([^\s'|]+)", res.error)
         or re.search(r"'([^']+)'", res.error))
    section = m.group(1) if m else ""
    ent = f"migration:{res.machine}:{direction}" + (f":{section}" if section else "")
    msg = (f"Real migration {direction} on {res.machine} failed; the destination said: "
           f"{res.error}")
    f = make_finding("migration", Severity.ERROR, msg, ent, section=section,
                     vmsd=section.rsplit("/", 1)[-1],
                     directions=[FWD if direction == FWD else BWD], checker="migration",
                     evidence=(Evidence.MIGRATION,),
                     extra=(("machine", res.machine),
                            ("src_cmdline", shlex.join(res.src_cmdline)),
                            ("dst_cmdline", shlex.join(res.dst_cmdline))))
    from dataclasses import replace

    from bot.artifacts.kinds import KINDS

    for pat, kind in _ERROR_KINDS:
        if re.search(pat, res.error):
            f = replace(f, category=KINDS[kind].category)
            break
    return f
