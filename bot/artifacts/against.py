"""Migration against a released QEMU (`check --build --against BINARY`).

What upstream's cross-version CI does after the fact, before the merge: the head build
migrates from and to another QEMU binary (a distribution's qemu-system-x86_64 of an older
release, say) on every versioned machine type both support (the intersection of their
`-machine help`, of the target's versioned families), with the devices the series touches
(those both binaries can create on that family). Each machine type and direction is one
result (`bot.report.CrossCheck`). A failure is the series' when the base build migrates
that way fine; when the base build fails the same way it is the base's (the release and
upstream already disagree) and is only reported, not raised as a finding.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.artifacts.dump import QemuBinary, list_machines
from bot.artifacts.kinds import BWD, FWD, make_finding
from bot.artifacts.migrate import instantiable, migrate_once
from bot.artifacts.sandbox import Limits, Sandbox, run_limited
from bot.errors import ArtifactError
from bot.findings import Evidence, EvidenceDetail, Finding, Severity
from bot.progress import Progress, no_progress
from bot.redact import shown
from bot.report import CrossCheck

_VERSIONED = re.compile(r"(?P<family>.+?)-(?P<version>\d+(?:\.\d+)+)")


@dataclass(frozen=True, slots=True)
class AgainstRun:
    """The migrations between the head build and another binary, and what they mean."""

    checks: tuple[CrossCheck, ...]
    findings: tuple[Finding, ...]  # failures the base build does not have; left-out devices
    preexisting: int = 0  # failures the base build has too


def _version_key(name: str) -> tuple[str, tuple[int, ...]]:
    m = _VERSIONED.fullmatch(name)
    assert m is not None
    return m.group("family"), tuple(int(x) for x in m.group("version").split("."))


def common_versioned(
    a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]], families: Sequence[str]
) -> list[str]:
    """Every versioned machine type (`<family>-X.Y`) both lists have, of `families` (every
    family when empty), grouped by family, newest first."""
    names = {n for n, _ in a} & {n for n, _ in b}
    out = []
    for name in names:
        m = _VERSIONED.fullmatch(name)
        if m and (not families or m.group("family") in families):
            out.append(name)
    return sorted(out, key=lambda n: (_version_key(n)[0], [-x for x in _version_key(n)[1]]))


def binary_version(qemu: QemuBinary, *, sandbox: Sandbox, limits: Limits, workdir: Path) -> str:
    """The first line of `qemu -version` ("QEMU emulator version 7.2.22 (...)")."""
    run = sandbox.private_dir(workdir, ".version-")
    r = run_limited(sandbox, qemu.argv("-version"), cwd=run, writable=[run],
                    readonly=qemu.inputs(), budget=limits.run())  # fmt: skip
    first = r.output.strip().splitlines()[0] if r.output.strip() else ""
    if r.returncode != 0 or not first:
        raise ArtifactError(f"`-version` failed (exit {r.returncode}): "
                            f"{shown(r.output.strip()[-300:], 400)}", input_name=qemu.path,
                            hint="pass --against a qemu-system-* binary")  # fmt: skip
    return shown(first, 120)


def _devices_for(
    machine: str, devices: Sequence[str], binaries: Sequence[QemuBinary], work: Path,
    sandbox: Sandbox, limits: Limits, accel: str | None,
) -> tuple[list[str], list[tuple[str, str]]]:  # fmt: skip
    """The devices every binary can create on `machine`, and (device, why) for the rest."""
    keep = list(devices)
    left: list[tuple[str, str]] = []
    for qemu in binaries:
        if not keep:
            break
        wd = Path(tempfile.mkdtemp(prefix="dev-", dir=work))
        keep, bad = instantiable(qemu, machine, keep, workdir=wd, sandbox=sandbox,
                                 limits=limits, accel=accel)  # fmt: skip
        left += [(d, f"{qemu.label}: {why.splitlines()[0] if why else 'refused'}")
                 for d, why in bad]  # fmt: skip
    return keep, left


def run_against(
    other: QemuBinary,
    head: QemuBinary,
    base: QemuBinary | None,
    *,
    families: Sequence[str],
    machines: Sequence[str] = (),
    devices: Sequence[str] = (),
    work: Path,
    sandbox: Sandbox,
    limits: Limits,
    accel: str | None = None,
    progress: Progress = no_progress,
) -> AgainstRun:
    """Migrate other->head and head->other on every common versioned machine type (or the
    given `machines`, which must be among them); re-run a failure with `base` in place of
    head to tell the series' failures from the base's."""
    work.mkdir(parents=True, exist_ok=True)
    version = binary_version(other, sandbox=sandbox, limits=limits, workdir=work)
    common = common_versioned(
        list_machines(other, sandbox=sandbox, limits=limits, workdir=work),
        list_machines(head, sandbox=sandbox, limits=limits, workdir=work),
        families,
    )
    if machines:
        unknown = [m for m in machines if m not in common]
        if unknown:
            raise ArtifactError(f"machine type {unknown[0]!r} is not a versioned machine type "
                                f"of both {other.path} and the head build",
                                input_name="--against-machines",
                                hint="pick from the intersection of both binaries' -M help "
                                     "(or leave it out: every common one)")  # fmt: skip
        common = [m for m in common if m in machines]
    if not common:
        raise ArtifactError(
            f"no versioned machine type is known to both {other.path} and the head build",
            input_name="--against",
            hint="pass --against a binary of the same target (--target)",
        )
    # Device availability is a property of the board, not of its version: probe each
    # family's newest common machine type once.
    per_family: dict[str, list[str]] = {}
    findings: list[Finding] = []
    for machine in common:
        family = _version_key(machine)[0]
        if family in per_family:
            continue
        keep, left = _devices_for(machine, devices, [other, head], work, sandbox, limits, accel)
        per_family[family] = keep
        for dev, why in left:
            findings.append(_left_out(dev, family, other, why))
    total = 2 * len(common)
    checks: list[CrossCheck] = []
    step = 0
    for machine in common:
        devs = per_family[_version_key(machine)[0]]
        wd = Path(tempfile.mkdtemp(prefix="ag-", dir=work))
        for direction, src, dst in ((FWD, other, head), (BWD, head, other)):
            progress("against", step, total, f"{machine} {_way(direction)}")
            step += 1
            res = migrate_once(src, dst, machine, workdir=wd, sandbox=sandbox, limits=limits,
                               devices=devs, accel=accel, tag=direction[0])  # fmt: skip
            base_too: bool | None = None
            if not res.ok and base is not None:
                bsrc, bdst = (other, base) if direction == FWD else (base, other)
                again = migrate_once(bsrc, bdst, machine, workdir=wd, sandbox=sandbox,
                                     limits=limits, devices=devs, accel=accel, tag="r")  # fmt: skip
                base_too = not again.ok
            error = shown(res.error, 600)
            checks.append(CrossCheck(other.path, version, machine, direction, res.ok, error,
                                     base_too, round(res.seconds, 2)))  # fmt: skip
    progress("against", total, total, f"{len(common)} machine types")
    findings += _failures(checks, version)
    pre = sum(1 for c in checks if not c.ok and c.base_too)
    return AgainstRun(tuple(checks), tuple(findings), pre)


def _section(error: str) -> str:
    """The section or subsection the destination names in its error, if any."""
    m = re.search(r"(?:section or instance|subsection|device) '([^']+)'", error)
    return m.group(1) if m else ""


def _way(direction: str) -> str:
    return "release->head" if direction == FWD else "head->release"


def _left_out(dev: str, family: str, other: QemuBinary, why: str) -> Finding:
    text = (f"device {dev!r} was left out of the migrations against {other.path} on "
            f"{family}-*: {why}")  # fmt: skip
    f = make_finding("against", Severity.NOTE, text, f"against:{family}:device:{dev}",
                     section="", vmsd="", directions=(), checker="migration",
                     evidence=(Evidence.MIGRATION,), confidence="low")  # fmt: skip
    return replace(f, evidence_detail=(EvidenceDetail(Evidence.MIGRATION, text),))


def _failures(checks: Sequence[CrossCheck], version: str) -> list[Finding]:
    """One finding per (direction, destination error) the series causes (the base build
    migrates fine), listing the machine types it fails on."""
    groups: dict[tuple[str, str], list[CrossCheck]] = {}
    for c in checks:
        if not c.ok and not c.base_too:
            # one problem whatever the board: the same VMSD (its section id carries the
            # device's bus address), else the same words
            section = _section(c.error)
            what = section.rsplit("/", 1)[-1] if section else re.sub(r"\d+", "N", c.error)
            groups.setdefault((c.direction, what), []).append(c)
    out = []
    for (direction, _), cs in groups.items():
        first = cs[0]
        ms = tuple(c.machine for c in cs)
        section = _section(first.error)
        way = (f"from {version} to the head build" if direction == FWD
               else f"from the head build to {version}")  # fmt: skip
        msg = (f"Real migration {way} ({first.binary}) fails on {', '.join(ms[:6])}"
               + (f" and {len(ms) - 6} more machine types" if len(ms) > 6 else "")
               + f"; the base build migrates fine. The destination said: {first.error}")
        f = make_finding("against", Severity.ERROR, msg,
                         f"against:{direction}:" + (section.rsplit("/", 1)[-1] or "other"),
                         section=section, vmsd=section.rsplit("/", 1)[-1],
                         directions=[direction], checker="migration",
                         evidence=(Evidence.MIGRATION,),
                         extra=(("machines", ",".join(ms)), ("against", first.binary)))  # fmt: skip
        out.append(replace(f, evidence_detail=(
            EvidenceDetail(Evidence.MIGRATION, first.error, ms, direction),)))  # fmt: skip
    return out
