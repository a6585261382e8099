"""The artifact pipeline: build (or take) base and head binaries, dump every checked machine
type, compare the dumps (builtin and/or upstream checker), migrate for real both ways, with
`against` also migrate between the head build and another (released) QEMU on every common
versioned machine type (bot.artifacts.against), and return one finding per problem with its
evidence (dump, migration), each layer's observation in Finding.evidence_detail.

Progress (bot.progress): "configure", "compile base", "compile head", "machines" (dump,
compare, migrate of one machine type after the other), "against" (one migration after the
other).

A problem the comparison also reports when the base dump is compared with itself (the
upstream checker flags some layouts of an unchanged tree) is the base's, not the series':
it is left out and only counted (ArtifactRun.preexisting).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.artifacts.against import run_against
from bot.artifacts.build import Builder, BuildProfile, build_pair, default_profile, resolve
from bot.artifacts.compare import compare_dumps
from bot.artifacts.dump import QemuBinary, dump_vmstate, list_machines, newest_versioned
from bot.artifacts.kinds import BWD, FWD, extra_get, make_finding
from bot.artifacts.locate import Locator, git_vmsd_locator
from bot.artifacts.locate import vmsd_locator as vmsd_locator  # re-export (benches, tests)
from bot.artifacts.migrate import default_accel, instantiable, migrate_once, migration_finding
from bot.artifacts.sandbox import Limits, probe
from bot.artifacts.upstream import UpstreamReport, reconcile, run_upstream
from bot.engine.merge import join_details
from bot.errors import ArtifactError, BuildError
from bot.findings import Evidence, EvidenceDetail, Finding, Severity, fingerprint
from bot.progress import Progress, no_progress
from bot.report import CrossCheck

# Versioned machine families whose newest member is checked by default, per target.
DEFAULT_FAMILIES: Mapping[str, tuple[str, ...]] = {
    "x86_64": ("pc-i440fx", "pc-q35"),
    "aarch64": ("virt",),
    "ppc64": ("pseries",),
    "s390x": ("s390-ccw-virtio",),
}


@dataclass(frozen=True, slots=True)
class ArtifactOptions:
    """Everything the artifact layer needs besides repo, base and head."""

    target: str = "x86_64"
    machines: tuple[str, ...] = ()  # default: newest versioned types present in both
    checker: str = "both"  # builtin | upstream | both
    sandbox: bool = True
    src_binary: str | None = None  # skip building base
    dst_binary: str | None = None  # skip building head
    limits: Limits = field(default_factory=Limits)
    progress: Progress = no_progress
    devices: tuple[str, ...] = ()  # -device list for the real migration
    migrate: bool = True
    workdir: str | None = None  # default: a fresh temporary dir
    jobs: int | None = None
    accel: str | None = None  # default: kvm if usable, else tcg
    profile: BuildProfile | None = None
    configure: str = "configure"  # script name in the source tree
    datadir: str | None = None  # -L for prebuilt binaries
    locate: Locator | None = None
    subprojects: str | None = None  # dir of pre-fetched meson subprojects (keycodemapdb ...)
    against: str | None = None  # another QEMU binary the head build migrates from and to
    against_machines: tuple[str, ...] = ()  # default: every common versioned machine type


@dataclass(frozen=True, slots=True)
class ArtifactRun:
    """What the artifact layer found, and how many problems it left out as the base's own."""

    findings: tuple[Finding, ...]
    preexisting: int = 0  # distinct problems left out: seen comparing the base with itself
    against: tuple[CrossCheck, ...] = ()  # the migrations against `ArtifactOptions.against`
    machines: tuple[str, ...] = ()  # the machine types dumped and migrated
    base: QemuBinary | None = None  # the base binary (built or given), for draft checks
    devices: tuple[str, ...] = ()  # -device specs the real migration used


def _families(target: str) -> tuple[str, ...]:
    return DEFAULT_FAMILIES.get(target, ())


def choose_machines(base: Sequence[tuple[str, str]], head: Sequence[tuple[str, str]],
                    target: str) -> list[str]:
    """Newest versioned machine types of the target's families that both binaries have."""
    common = [m for m in head if m[0] in {n for n, _ in base}]
    newest = newest_versioned(common)
    fams = _families(target)
    if fams:
        newest = [m for m in newest if any(re.fullmatch(rf"{re.escape(f)}-[\d.]+", m)
                                           for f in fams)]
    return newest


def locate_findings(findings: Iterable[Finding], locate: Locator) -> tuple[Finding, ...]:
    """Fill path/line of artifact findings from their vmsd name (fingerprint keeps no line)."""
    out = []
    for f in findings:
        if not f.path:
            loc = (locate(extra_get(f, "description")) or locate(extra_get(f, "vmsd"))
                   or locate(extra_get(f, "section")))
            if loc:
                f = replace(f, path=loc[0], line=loc[1],
                            fingerprint=fingerprint(f.rule, loc[0], f.entity, f.message))
        out.append(f)
    return tuple(out)


def merge_machines(per_machine: Mapping[str, Sequence[Finding]]) -> list[Finding]:
    """One finding per problem across machine types; extra 'machines' lists where it shows,
    and its dump evidence detail names the machines, direction and checker."""
    merged: dict[tuple[str, str, str], tuple[Finding, list[str]]] = {}
    for machine, fs in per_machine.items():
        for f in fs:
            key = (f.rule, f.entity, f.message)
            if key in merged:
                merged[key][1].append(machine)
            else:
                merged[key] = (f, [machine])
    out = []
    for f, ms in merged.values():
        way = extra_get(f, "direction")
        seen = EvidenceDetail(Evidence.DUMP, f.message, tuple(ms), way if way != "none" else "",
                              extra_get(f, "checker"))  # fmt: skip
        out.append(replace(f, extra=(*f.extra, ("machines", ",".join(ms))),
                           evidence_detail=(seen,)))  # fmt: skip
    return out


def merge_migration(dump_findings: list[Finding], mig: list[Finding]) -> list[Finding]:
    """Attach every migration failure to the first dump finding about the same VMSD (one
    problem, two kinds of evidence); keep it separate when the dump did not see it."""
    out = list(dump_findings)
    for m in mig:
        vmsd = extra_get(m, "vmsd")
        for i, f in enumerate(out):
            if vmsd and extra_get(f, "vmsd") == vmsd and Evidence.DUMP in f.evidence:
                evidence = f.evidence if Evidence.MIGRATION in f.evidence else (
                    *f.evidence, Evidence.MIGRATION)
                out[i] = replace(f, evidence=evidence,
                                 evidence_detail=join_details(f.evidence_detail,
                                                              m.evidence_detail))  # fmt: skip
                break
        else:
            out.append(m)
    return out


def _migration_seen(f: Finding, machine: str, direction: str, error: str) -> Finding:
    """A migration finding with its evidence detail (the destination's own words)."""
    return replace(f, evidence_detail=(
        EvidenceDetail(Evidence.MIGRATION, error, (machine,), direction),))  # fmt: skip


def _report_key(r: UpstreamReport) -> tuple[str, str, str, tuple[str, ...], str]:
    return (r.form, r.section, r.description, r.detail, r.direction)


def _problem(r: UpstreamReport) -> tuple[str, str, str, tuple[str, ...]]:
    """What a report is about, either way round (a problem seen both ways counts once)."""
    return (r.form, r.section, r.description, r.detail)


def _finding_key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.entity, f.message)


def _upstream_script(repo: str, head: str, dest: Path) -> Path | None:
    r = subprocess.run(["git", "-C", repo, "show", f"{head}:scripts/vmstate-static-checker.py"],
                       capture_output=True, check=False, timeout=60)
    if r.returncode != 0:
        return None
    dest.write_bytes(r.stdout)
    return dest


def run_artifacts(repo_path: str, base: str, head: str, opts: ArtifactOptions) -> ArtifactRun:
    """Build (or take) both binaries, dump, compare, migrate; findings with evidence."""
    work = Path(opts.workdir) if opts.workdir else Path(tempfile.mkdtemp(prefix="migcheck-art-"))
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    sandbox = probe(opts.sandbox)
    accel = opts.accel or default_accel(sandbox)  # a KVM-only build dumps with KVM too
    limits = opts.limits
    progress = opts.progress
    locate = opts.locate
    script: Path | None = None
    if opts.src_binary and opts.dst_binary:
        src = QemuBinary(opts.src_binary, opts.datadir, "base")
        dst = QemuBinary(opts.dst_binary, opts.datadir, "head")
    else:
        profile = opts.profile or default_profile(opts.target, kvm=accel == "kvm")
        rb, rh = build_pair(repo_path, base, head, work / "b", profile, sandbox=sandbox,
                            limits=limits, progress=progress, jobs=opts.jobs,
                            configure=opts.configure, subprojects=opts.subprojects)
        src = QemuBinary(opts.src_binary or rb.binary, rb.datadir, "base")
        dst = QemuBinary(opts.dst_binary or rh.binary, rh.datadir, "head")
        if locate is None:
            locate = git_vmsd_locator(repo_path, resolve(repo_path, head))
    if opts.checker in ("upstream", "both") and repo_path:
        try:
            script = _upstream_script(repo_path, resolve(repo_path, head),
                                      work / "vmstate-static-checker.py")
        except Exception:
            script = None
    machines = list(opts.machines)
    known_src = list_machines(src, sandbox=sandbox, limits=limits, workdir=work)
    known_dst = list_machines(dst, sandbox=sandbox, limits=limits, workdir=work)
    if machines:
        # a name both binaries list, never a path (it names a directory under work/dumps)
        both = {n for n, _ in known_src} & {n for n, _ in known_dst}
        unknown = [m for m in machines if m not in both]
        if unknown:
            raise ArtifactError(f"machine type {unknown[0]!r} is not known to both binaries",
                                input_name=src.path,
                                hint="pick one of `qemu-system-* -M help` (e.g. pc-q35-10.1)")
    else:
        machines = choose_machines(known_src, known_dst, opts.target)
        if not machines:
            raise ArtifactError("no common versioned machine type found",
                                input_name=src.path, hint="pass --machines M1,M2")
    per_machine: dict[str, list[Finding]] = {}
    mig: list[Finding] = []
    used_devices: list[str] = list(opts.devices)
    preexisting: set[object] = set()
    for i, machine in enumerate(machines):
        progress("machines", i, len(machines), f"{machine}: dump")
        mdir = work / "dumps" / machine
        old = dump_vmstate(src, machine, mdir / "base.json", sandbox=sandbox, limits=limits,
                           accel=accel)
        new = dump_vmstate(dst, machine, mdir / "head.json", sandbox=sandbox, limits=limits,
                           accel=accel)
        progress("machines", i, len(machines), f"{machine}: compare")
        builtin = None
        if opts.checker in ("builtin", "both"):
            own = {_finding_key(f) for f in compare_dumps(old, old)}
            found = compare_dumps(old, new)
            builtin = [f for f in found if _finding_key(f) not in own]
            preexisting |= own & {_finding_key(f) for f in found}
        fs: Sequence[Finding] = builtin or ()
        if script is not None:
            reports = run_upstream(script, mdir / "base.json", mdir / "head.json",
                                   sandbox=sandbox, limits=limits, workdir=mdir)
            # The upstream checker complains about some unchanged layouts (e.g. a repeated
            # subsection name): what it says about base against base is not the series'.
            own_reports = {_report_key(r) for r in run_upstream(
                script, mdir / "base.json", mdir / "base.json", sandbox=sandbox,
                limits=limits, workdir=mdir)}  # fmt: skip
            preexisting |= {_problem(r) for r in reports if _report_key(r) in own_reports}
            reports = [r for r in reports if _report_key(r) not in own_reports]
            fs = reconcile(builtin, reports, old, new)
        per_machine[machine] = list(fs)
        if opts.migrate:
            progress("machines", i, len(machines), f"{machine}: migrate")
            mw = Path(tempfile.mkdtemp(prefix="mig-", dir=work))
            devices: list[str] = list(opts.devices)
            if devices:
                devices, rejected = instantiable(src, machine, devices, workdir=mw,
                                                 sandbox=sandbox, limits=limits,
                                                 accel=opts.accel)
                used_devices = list(devices)
                for dev, why in rejected:
                    left_out = (f"device {dev!r} was left out of the real migration on "
                                f"{machine}: the base binary cannot create it there "
                                f"({why.splitlines()[0]})")  # fmt: skip
                    f = make_finding(
                        "migration", Severity.NOTE, left_out,
                        f"migration:{machine}:device:{dev}", section="", vmsd="",
                        directions=(), checker="migration", evidence=(Evidence.MIGRATION,),
                        confidence="low")  # fmt: skip
                    mig.append(replace(f, evidence_detail=(
                        EvidenceDetail(Evidence.MIGRATION, left_out, (machine,)),)))
            for direction, a, b in ((FWD, src, dst), (BWD, dst, src)):
                res = migrate_once(a, b, machine, workdir=mw, sandbox=sandbox, limits=limits,
                                   devices=devices, accel=opts.accel,
                                   tag="f" if direction == FWD else "b")
                failed = migration_finding(res, direction)
                if failed is not None:
                    mig.append(_migration_seen(failed, machine, direction, res.error))
    progress("machines", len(machines), len(machines), ", ".join(machines))
    findings = merge_migration(merge_machines(per_machine), mig)
    checks: tuple[CrossCheck, ...] = ()
    before = 0
    if opts.against:
        other = QemuBinary(opts.against, None, "release")
        ran = run_against(other, dst, src, families=_families(opts.target),
                          machines=opts.against_machines, devices=opts.devices,
                          work=work / "against", sandbox=sandbox, limits=limits,
                          accel=opts.accel, progress=progress)  # fmt: skip
        findings += ran.findings
        checks, before = ran.checks, ran.preexisting
    located = locate_findings(findings, locate) if locate is not None else tuple(findings)
    return ArtifactRun(located, len(preexisting) + before, checks, tuple(machines), src,
                       tuple(used_devices))


def verify_draft(repo_path: str, head: str, files: Mapping[str, bytes], opts: ArtifactOptions,
                 run: ArtifactRun, name: str = "draft") -> str:
    """Apply a fix draft (the edited head files) to the head build's source tree, rebuild
    incrementally, compare the base dump with the drafted head's and migrate both ways on
    the machine types of `run`: "fix verified by migration (M both ways)" or why not.

    The source tree is back at head afterwards (the files are restored); the build dir keeps
    the drafted objects, which the next build of head rebuilds.
    """
    if run.base is None or not run.machines or opts.workdir is None:
        return "fix not verified by migration: no base build to migrate with"
    if opts.src_binary and opts.dst_binary:
        return "fix not verified by migration: prebuilt binaries, nothing to rebuild"
    work = Path(opts.workdir).resolve()
    sandbox = probe(opts.sandbox)
    accel = opts.accel or default_accel(sandbox)
    profile = opts.profile or default_profile(opts.target, kvm=accel == "kvm")
    b = Builder(repo_path, work / "b", profile, sandbox=sandbox, limits=opts.limits,
                progress=opts.progress, jobs=opts.jobs, configure=opts.configure,
                subprojects=opts.subprojects)  # fmt: skip
    b.resume(head)
    saved: dict[str, bytes | None] = {}
    try:
        for path, data in files.items():
            target = b.src / path
            saved[path] = target.read_bytes() if target.is_file() else None
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            built = b.compile(name)
        except BuildError as exc:
            first = exc.what.splitlines()[-1] if exc.what else "build failed"
            return f"fix not verified by migration: the drafted head does not build ({first})"
        dst = QemuBinary(built.binary, built.datadir, name)
        for machine in run.machines:
            mdir = work / "dumps" / machine
            old = dump_vmstate(run.base, machine, mdir / "base.json", sandbox=sandbox,
                               limits=opts.limits, accel=accel)  # fmt: skip
            new = dump_vmstate(dst, machine, mdir / f"{name}.json", sandbox=sandbox,
                               limits=opts.limits, accel=accel)  # fmt: skip
            own = {_finding_key(f) for f in compare_dumps(old, old)}
            left = [f for f in compare_dumps(old, new) if _finding_key(f) not in own]
            if left:
                return (f"fix not verified by migration: the drafted head's dump still "
                        f"differs on {machine} ({left[0].message[:160]})")  # fmt: skip
            mw = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
            for direction, a, c in ((FWD, run.base, dst), (BWD, dst, run.base)):
                res = migrate_once(a, c, machine, workdir=mw, sandbox=sandbox,
                                   limits=opts.limits, devices=run.devices, accel=opts.accel,
                                   tag="f" if direction == FWD else "b")  # fmt: skip
                if not res.ok:
                    why = res.error.splitlines()[0][:160] if res.error else "failed"
                    return (f"fix not verified by migration: {direction} on {machine} "
                            f"fails with the draft ({why})")  # fmt: skip
        return f"fix verified by migration ({', '.join(run.machines)} both ways)"
    except ArtifactError as exc:
        return f"fix not verified by migration: {exc.what}"
    finally:
        for path, kept in saved.items():
            target = b.src / path
            if kept is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(kept)
