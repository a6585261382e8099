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
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qemu.qmp import QMPClient

from bot.artifacts.dump import QemuBinary
from bot.artifacts.kinds import BWD, FWD, make_finding
from bot.artifacts.sandbox import Limits, Sandbox, kill_group, spawn
from bot.errors import ArtifactError
from bot.findings import Evidence, Finding, Severity


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


def default_accel() -> str:
    """kvm when /dev/kvm is usable, else tcg (no guest code runs with -S anyway; Debian's
    QEMU has no qtest accelerator)."""
    return "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) else "tcg"


def _vm_args(machine: str, devices: Sequence[str], accel: str, qmp: Path) -> list[str]:
    args = ["-nodefaults", "-machine", machine, "-S", "-display", "none", "-accel", accel,
            "-qmp", f"unix:{qmp},server=on,wait=off", "-serial", "none", "-monitor", "none"]
    for d in devices:
        args += ["-device", d]
    return args


@contextlib.asynccontextmanager
async def _qemu(sandbox: Sandbox, argv: list[str], workdir: Path, qmp: Path, log: Path,
                limits: Limits) -> AsyncIterator[tuple[subprocess.Popen[bytes], QMPClient]]:
    """Start one QEMU and connect QMP; always kill and reap it on exit."""
    qmp.unlink(missing_ok=True)
    with log.open("wb") as logf:
        proc = spawn(sandbox, argv, cwd=workdir, writable=[workdir], memory=limits.run_memory,
                     stdout=logf, stderr=subprocess.STDOUT)
    client = QMPClient(f"migcheck-{qmp.stem}")
    try:
        deadline = time.monotonic() + min(30.0, limits.run_seconds)
        while True:
            if proc.poll() is not None:
                raise ArtifactError(
                    f"QEMU exited at startup (exit {proc.returncode}): "
                    f"{_tail(log)}", input_name=argv[0],
                    hint="check the machine type and -device list with this binary")
            if qmp.exists() and _listening(qmp):
                try:
                    await client.connect(str(qmp))
                    break
                except Exception:  # QEMU may exit (bad -device) right after listening
                    client = QMPClient(f"migcheck-{qmp.stem}")
                    await asyncio.sleep(0.1)
                    continue
            if time.monotonic() > deadline:
                raise ArtifactError("QMP socket did not come up in time", input_name=argv[0])
            await asyncio.sleep(0.05)
        yield proc, client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 5)
        kill_group(proc)


def _listening(path: Path) -> bool:
    """True once something accepts on the unix socket (avoids qemu.qmp's error logging)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True


def _tail(log: Path, n: int = 1200) -> str:
    try:
        return log.read_text(errors="replace").strip()[-n:]
    except OSError:
        return ""


_ERR_LINE = re.compile(r"^qemu-system-\S+: (.*)$")


def destination_error(log_text: str, fallback: str = "") -> str:
    """The destination's error lines (without the program prefix), most specific first."""
    lines = []
    for line in log_text.splitlines():
        m = _ERR_LINE.match(line.strip())
        text = m.group(1) if m else line.strip()
        if text and not text.startswith("warning:") and "terminating on signal" not in text:
            lines.append(text)
    return " | ".join(lines) if lines else fallback


async def _wait_migration(client: QMPClient, proc: subprocess.Popen[bytes],
                          deadline: float) -> tuple[str, str]:
    """Poll query-migrate until completed/failed or the process exits: (status, error)."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "exited", ""
        try:
            info: Any = await asyncio.wait_for(client.execute("query-migrate"), 5)
        except Exception:
            await asyncio.sleep(0.1)
            continue
        status = str(info.get("status", "")) if isinstance(info, dict) else ""
        if status in ("completed", "failed", "cancelled"):
            return status, str(info.get("error-desc", ""))
        await asyncio.sleep(0.05)
    return "timeout", ""


async def _migrate(src: QemuBinary, dst: QemuBinary, machine: str, devices: Sequence[str],
                   dst_machine: str | None, dst_devices: Sequence[str] | None,
                   workdir: Path, sandbox: Sandbox, limits: Limits, accel: str,
                   tag: str) -> MigrationResult:
    t0 = time.monotonic()
    stream = workdir / f"{tag}.stream"
    stream.unlink(missing_ok=True)
    src_argv = src.argv(*_vm_args(machine, devices, accel, workdir / f"{tag}-src.qmp"))
    dm = dst_machine or machine
    dd = list(dst_devices if dst_devices is not None else devices)
    dst_argv = dst.argv(*_vm_args(dm, dd, accel, workdir / f"{tag}-dst.qmp"),
                        "-incoming", "defer")
    deadline = time.monotonic() + limits.run_seconds
    src_log, dst_log = workdir / f"{tag}-src.log", workdir / f"{tag}-dst.log"
    async with _qemu(sandbox, src_argv, workdir, workdir / f"{tag}-src.qmp", src_log,
                     limits) as (sproc, sq):
        await sq.execute("migrate", {"uri": f"exec:cat > {shlex.quote(str(stream))}"})
        s_status, s_err = await _wait_migration(sq, sproc, deadline)
    if s_status != "completed":
        raise ArtifactError(f"saving {machine} with {src.path} ended '{s_status}': "
                            f"{s_err or _tail(src_log)}", input_name=src.path)
    size = stream.stat().st_size if stream.exists() else 0
    async with _qemu(sandbox, dst_argv, workdir, workdir / f"{tag}-dst.qmp", dst_log,
                     limits) as (dproc, dq):
        await dq.execute("migrate-incoming",
                         {"uri": f"exec:cat {shlex.quote(str(stream))}"})
        d_status, d_err = await _wait_migration(dq, dproc, deadline)
        if d_status == "exited":
            with contextlib.suppress(subprocess.TimeoutExpired):
                dproc.wait(timeout=5)
    log_text = _tail(dst_log, 4000)
    ok = d_status == "completed"
    error = "" if ok else destination_error(log_text, d_err or f"destination {d_status}")
    if not ok and d_err and d_err not in error:
        error = f"{d_err} | {error}"
    return MigrationResult(ok, machine, src.path, dst.path, error, s_status, d_status, size,
                           time.monotonic() - t0, tuple(src_argv), tuple(dst_argv))


async def _try_devices(qemu: QemuBinary, machine: str, devices: Sequence[str], workdir: Path,
                       sandbox: Sandbox, limits: Limits, accel: str
                       ) -> tuple[list[str], list[tuple[str, str]]]:
    ok: list[str] = []
    bad: list[tuple[str, str]] = []
    for i, dev in enumerate(devices):
        qmp = workdir / f"p{i}.qmp"
        try:
            async with _qemu(sandbox, qemu.argv(*_vm_args(machine, [dev], accel, qmp)), workdir,
                             qmp, workdir / f"p{i}.log", limits) as (_, client):
                await client.execute("query-status")
            ok.append(dev)
        except ArtifactError as exc:
            bad.append((dev, exc.what))
    return ok, bad


def instantiable(qemu: QemuBinary, machine: str, devices: Sequence[str], *,
                 workdir: str | Path, sandbox: Sandbox, limits: Limits,
                 accel: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Split `devices` into those `machine` can create (paused) and (device, why) for the rest."""
    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_try_devices(qemu, machine, devices, wd, sandbox, limits,
                                    accel or default_accel()))


def migrate_once(src: QemuBinary, dst: QemuBinary, machine: str, *, workdir: str | Path,
                 sandbox: Sandbox, limits: Limits, devices: Sequence[str] = (),
                 dst_machine: str | None = None, dst_devices: Sequence[str] | None = None,
                 accel: str | None = None, tag: str = "mig") -> MigrationResult:
    """Save `machine` (+devices) from `src` into a file and load it into `dst`."""
    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    # Unix socket paths are limited to 108 bytes; keep them short under a deep work dir.
    if len(str(wd / f"{tag}-src.qmp")) > 100:
        raise ArtifactError("work directory path too long for a QMP unix socket",
                            input_name=str(wd), hint="use a shorter --workdir")
    return asyncio.run(_migrate(src, dst, machine, devices, dst_machine, dst_devices, wd,
                                sandbox, limits, accel or default_accel(), tag))


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
    m = re.search(r"(?:section or instance|subsection|device) '([^']+)'", res.error) or \
        re.search(r"'([^']+)'", res.error)
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
