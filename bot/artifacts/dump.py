"""Run `qemu-system-<target> -M <machine> -dump-vmstate FILE` under the sandbox.

Every QEMU run gets a fresh private dir (the only place it may write); its dump is read back
without following symlinks and with a size cap, then written by the bot where the caller
asked, so no run can touch another run's files or the binaries.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.artifacts.compare import DUMP_MAX_BYTES, parse_dump
from bot.artifacts.safefs import read_regular
from bot.artifacts.sandbox import Limits, Sandbox, limit_note, run_limited
from bot.errors import ArtifactError
from bot.redact import shown

# A machine type name as QEMU prints it; anything else in `-M help` output is dropped (the
# names become directory names and appear in reports).
MACHINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-]{0,79}")
MAX_MACHINES = 2000


@dataclass(frozen=True, slots=True)
class QemuBinary:
    """A QEMU system emulator and where its firmware lives (`-L`), if not the default."""

    path: str
    datadir: str | None = None
    label: str = ""  # "base", "head", "src", "dst"

    def argv(self, *args: str) -> list[str]:
        """The command line for this binary with `args`."""
        out = [os.path.abspath(self.path)]
        if self.datadir:
            out += ["-L", os.path.abspath(self.datadir)]
        return [*out, *args]

    def inputs(self) -> list[str]:
        """What a sandboxed run of this binary must see read-only."""
        return [os.path.abspath(p) for p in (self.path, self.datadir) if p]


def dump_vmstate(qemu: QemuBinary, machine: str, out: str | Path, *, sandbox: Sandbox,
                 limits: Limits, accel: str | None = None) -> dict[str, Any]:
    """Write and load the vmstate dump of `machine`; ArtifactError when QEMU fails.

    QEMU starts its accelerator before it dumps, so a KVM-only build (the default profile
    where KVM can be used) needs `accel="kvm"`: the run then sees /dev/kvm."""
    outp = Path(out).absolute()
    outp.parent.mkdir(parents=True, exist_ok=True)
    run = sandbox.private_dir(outp.parent, f".{outp.stem}-")
    budget = limits.run()
    try:
        args = ["-M", machine, *(("-accel", accel) if accel else ()), "-dump-vmstate",
                str(run / "d.json")]
        r = run_limited(sandbox, qemu.argv(*args), cwd=run, writable=[run],
                        readonly=qemu.inputs(), budget=budget, kvm=accel == "kvm")
        if r.killed_by:
            raise ArtifactError(f"-dump-vmstate for {machine} was stopped: "
                                f"{limit_note(r, budget)}", input_name=qemu.path,
                                hint="raise --run-timeout or check the binary")
        try:
            data = read_regular(run / "d.json", DUMP_MAX_BYTES) if r.returncode == 0 else None
        except FileNotFoundError:
            data = None
        if data is None:
            raise ArtifactError(f"-dump-vmstate for {machine} failed (exit {r.returncode}): "
                                f"{shown(r.output.strip()[-500:], 600)}", input_name=qemu.path,
                                hint="check that the machine type exists in this binary "
                                     "(-M help)")
    finally:
        shutil.rmtree(run, ignore_errors=True)
    outp.unlink(missing_ok=True)
    outp.write_bytes(data)
    return parse_dump(data, str(outp))


def list_machines(qemu: QemuBinary, *, sandbox: Sandbox, limits: Limits,
                  workdir: str | Path) -> list[tuple[str, str]]:
    """(name, description) of every machine type of `qemu` (`-M help`)."""
    run = sandbox.private_dir(workdir, ".machines-")
    try:
        r = run_limited(sandbox, qemu.argv("-M", "help"), cwd=run, writable=[run],
                        readonly=qemu.inputs(), budget=limits.run())
    finally:
        shutil.rmtree(run, ignore_errors=True)
    if r.returncode != 0:
        raise ArtifactError(f"-M help failed: {shown(r.output.strip()[-300:], 400)}",
                            input_name=qemu.path)
    out: list[tuple[str, str]] = []
    for line in r.output.splitlines()[1:]:
        parts = line.split(None, 1)
        if parts and MACHINE_NAME.fullmatch(parts[0]) and len(out) < MAX_MACHINES:
            out.append((parts[0], shown(parts[1], 200) if len(parts) > 1 else ""))
    return out


def newest_versioned(machines: list[tuple[str, str]]) -> list[str]:
    """The newest versioned machine type of each family (pc-i440fx-X, pc-q35-X, virt-X ...)."""
    best: dict[str, tuple[tuple[int, ...], str]] = {}
    for name, _ in machines:
        m = re.fullmatch(r"(.*?)-(\d+(?:\.\d+)+)", name)
        if not m:
            continue
        ver = tuple(int(x) for x in m.group(2).split("."))
        fam = m.group(1)
        if fam not in best or ver > best[fam][0]:
            best[fam] = (ver, name)
    return sorted(v[1] for v in best.values())
