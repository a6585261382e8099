"""Run `qemu-system-<target> -M <machine> -dump-vmstate FILE` under the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.artifacts.compare import load_dump
from bot.artifacts.sandbox import Limits, Sandbox, run_limited
from bot.errors import ArtifactError


@dataclass(frozen=True, slots=True)
class QemuBinary:
    """A QEMU system emulator and where its firmware lives (`-L`), if not the default."""

    path: str
    datadir: str | None = None
    label: str = ""  # "base", "head", "src", "dst"

    def argv(self, *args: str) -> list[str]:
        """The command line for this binary with `args`."""
        out = [self.path]
        if self.datadir:
            out += ["-L", self.datadir]
        return [*out, *args]


def dump_vmstate(qemu: QemuBinary, machine: str, out: str | Path, *, sandbox: Sandbox,
                 limits: Limits) -> dict[str, Any]:
    """Write and load the vmstate dump of `machine`; ArtifactError when QEMU fails."""
    outp = Path(out).resolve()
    outp.parent.mkdir(parents=True, exist_ok=True)
    r = run_limited(sandbox, qemu.argv("-M", machine, "-dump-vmstate", str(outp)),
                    cwd=outp.parent, writable=[outp.parent], timeout=limits.run_seconds,
                    memory=limits.run_memory)
    if r.timed_out:
        raise ArtifactError(f"-dump-vmstate for {machine} timed out after "
                            f"{limits.run_seconds:.0f} s", input_name=qemu.path,
                            hint="raise --run-timeout or check the binary")
    if r.returncode != 0 or not outp.exists():
        raise ArtifactError(f"-dump-vmstate for {machine} failed (exit {r.returncode}): "
                            f"{r.output.strip()[-500:]}", input_name=qemu.path,
                            hint="check that the machine type exists in this binary (-M help)")
    return load_dump(outp)


def list_machines(qemu: QemuBinary, *, sandbox: Sandbox, limits: Limits,
                  workdir: str | Path) -> list[tuple[str, str]]:
    """(name, description) of every machine type of `qemu` (`-M help`)."""
    r = run_limited(sandbox, qemu.argv("-M", "help"), cwd=workdir, writable=[workdir],
                    timeout=limits.run_seconds, memory=limits.run_memory)
    if r.returncode != 0:
        raise ArtifactError(f"-M help failed: {r.output.strip()[-300:]}", input_name=qemu.path)
    out = []
    for line in r.output.splitlines()[1:]:
        parts = line.split(None, 1)
        if parts:
            out.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return out


def newest_versioned(machines: list[tuple[str, str]]) -> list[str]:
    """The newest versioned machine type of each family (pc-i440fx-X, pc-q35-X, virt-X ...)."""
    import re

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
