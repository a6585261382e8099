"""Build base and head of a QEMU tree: one source dir, one build dir, configured once; head is
built incrementally by rewriting only the files that differ (so ninja recompiles only those).

The reviewed repository is never modified: sources come from `git archive` (on the host),
configure and ninja run inside the sandbox. Work dir layout and who may write what:

    src/    the sources; written by the bot only, read-only inside every build, so no build
            can plant a symlink that a later host-side checkout would follow
    build/  the build dir (writable by the sandbox)
    tmp/    HOME and TMPDIR of the builds (writable by the sandbox)
    base/   the base binary (and its firmware dir when the series changes it), copied out of
    head/   build/ without following symlinks; no build can write here, so the head build
            cannot replace the base binary and forge a clean verdict
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.artifacts.safefs import copy_regular, unlink_beneath
from bot.artifacts.sandbox import Limits, Sandbox, limit_note, ninja_progress, run_limited
from bot.errors import ArtifactError, BuildError, InputError
from bot.progress import Progress, no_progress  # phases: configure, compile (bot.progress)
from bot.redact import redact, shown

ERROR_CHARS = 3000  # build output quoted in a BuildError (it ends up in notes and mails)



@dataclass(frozen=True, slots=True)
class BuildProfile:
    """How to configure and what to build for one target."""

    target: str
    configure_args: tuple[str, ...]
    binary: str  # path relative to the build dir
    ninja_targets: tuple[str, ...] = ()

    @property
    def datadir_rel(self) -> str:
        """Firmware dir relative to the source tree (passed as -L)."""
        return "pc-bios"


def default_profile(target: str = "x86_64", *, kvm: bool = True) -> BuildProfile:
    """Minimal system-emulator profile: KVM only where the target has it (and the sandbox
    can reach /dev/kvm; else TCG, or the binary could not run), no docs/tools/user."""
    common = ("--disable-docs", "--disable-tools", "--disable-user", "--disable-download",
              "--disable-werror")
    if target == "x86_64" and kvm:
        accel: tuple[str, ...] = ("--disable-tcg", "--enable-kvm")
    else:
        accel = ()  # foreign targets need TCG to exist at all
    return BuildProfile(target, (f"--target-list={target}-softmmu", *accel, *common),
                        f"qemu-system-{target}", (f"qemu-system-{target}",))


@dataclass(frozen=True, slots=True)
class BuildResult:
    """One built side."""

    side: str  # base | head
    rev: str
    binary: str  # copied out of the build dir, so the next build cannot overwrite it
    datadir: str
    seconds: float
    steps: int  # ninja steps run ([N/M] lines)
    total: int  # M of the last [N/M]
    compiled: int  # compile steps among them


def _git(repo: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=False,
                          timeout=600)


def resolve(repo: str, rev: str) -> str:
    """Full commit id of `rev`; InputError when it does not exist."""
    r = _git(repo, "rev-parse", "--verify", f"{rev}^{{commit}}")
    if r.returncode != 0:
        raise InputError(f"unknown revision {rev!r}", input_name=repo,
                         hint="pass a commit, branch or tag that exists in the repository")
    return r.stdout.decode().strip()


def _extract(repo: str, rev: str, dest: Path, paths: Sequence[str] = ()) -> None:
    """Write `rev`'s tree (or only `paths`) under `dest` via `git archive`.

    `dest` is only ever written by the bot (builds see it read-only), yet an earlier revision
    may have tracked symlinks: nothing is written or removed through one."""
    cmd = ["git", "-C", repo, "archive", "--format=tar", rev]
    if paths:
        cmd += ["--", *paths]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                if paths:
                    # the old entry goes first (a file, a symlink or a whole dir that became
                    # something else), removed without following any symlink
                    unlink_beneath(dest, member.name, dirs=not member.isdir(),
                                   keep_regular=member.isfile())
                try:
                    tar.extract(member, dest, filter="tar")
                except tarfile.FilterError as exc:
                    raise InputError(f"{rev}: refusing to write {member.name!r}: {exc}",
                                     input_name=repo) from exc
                if paths and not member.isdir():
                    # git archive stamps the commit time; ninja must see the file as new.
                    os.utime(dest / member.name, None, follow_symlinks=False)
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        rc = proc.wait()
    if rc != 0:
        raise InputError(f"git archive {rev} failed: {err.strip()}", input_name=repo)


def changed_paths(repo: str, base: str, head: str) -> tuple[list[str], list[str]]:
    """(added/modified/type-changed paths, deleted paths) between two commits."""
    r = _git(repo, "diff", "--name-status", "-z", "--no-renames", base, head)
    if r.returncode != 0:
        raise InputError(f"git diff {base} {head} failed: {r.stderr.decode().strip()}",
                         input_name=repo)
    parts = r.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    write: list[str] = []
    delete: list[str] = []
    for status, path in zip(parts[0::2], parts[1::2], strict=False):
        if not path:
            continue
        (delete if status.startswith("D") else write).append(path)
    return write, delete


_ERROR = re.compile(r"(\berror\b|FAILED:|ERROR:)", re.IGNORECASE)


def first_error(output: str) -> str:
    """The first compiler/configure error line with a little context."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"\berror:", line) or line.startswith("ERROR:"):
            return "\n".join(lines[i:i + 3])
    for i, line in enumerate(lines):
        if _ERROR.search(line):
            return "\n".join(lines[i:i + 3])
    return "\n".join(lines[-5:])


class Builder:
    """Builds one revision after another in the same source and build directories."""

    def __init__(self, repo: str, workdir: str | Path, profile: BuildProfile, *,
                 sandbox: Sandbox, limits: Limits, progress: Progress = no_progress,
                 jobs: int | None = None, configure: str = "configure",
                 subprojects: str | Path | None = None) -> None:
        self.repo = repo
        self.subprojects = Path(subprojects) if subprojects else None
        self.work = Path(workdir).resolve()
        self.src = self.work / "src"
        self.build = self.work / "build"
        self.tmp = self.work / "tmp"
        self.profile = profile
        self.sandbox = sandbox
        self.limits = limits
        self.progress = progress
        self.jobs = jobs
        self.configure_script = configure
        self.rev: str | None = None
        self.configured = False

    def _env(self) -> dict[str, str]:
        self.sandbox.own(self.tmp)
        return {"TMPDIR": str(self.tmp), "HOME": str(self.tmp)}

    def checkout(self, rev: str) -> None:
        """Materialise `rev` in the source dir; only differing files are rewritten."""
        full = resolve(self.repo, rev)
        if self.rev is None:
            if self.src.exists():
                shutil.rmtree(self.src)
            # A build dir left in the work dir by an earlier run holds objects newer than
            # the sources extracted now (git archive stamps the commit time), so ninja would
            # rebuild nothing and hand out the earlier run's binary as this one's; and an
            # earlier series' build wrote it. Start from an empty one.
            if self.build.exists():
                shutil.rmtree(self.build)
                self.configured = False
            self.src.mkdir(parents=True)
            _extract(self.repo, full, self.src)
            self._add_subprojects()
        elif self.rev != full:
            write, delete = changed_paths(self.repo, self.rev, full)
            for p in delete:
                unlink_beneath(self.src, p)
            for i in range(0, len(write), 500):
                _extract(self.repo, full, self.src, write[i:i + 500])
        self.rev = full

    def resume(self, rev: str) -> None:
        """Reuse a warm work dir whose source tree is at `rev` (e.g. from an earlier run):
        the next checkout rewrites only what differs and ninja rebuilds only that."""
        if not (self.src.is_dir() and (self.build / "build.ninja").exists()):
            raise InputError("no configured build tree to resume", input_name=str(self.work),
                             hint="run a normal build first")
        self.rev = resolve(self.repo, rev)
        self.configured = True

    def _add_subprojects(self) -> None:
        """Copy pre-fetched meson subprojects (trusted, host side): the sandbox has no network
        and QEMU's configure --disable-download refuses a tree without them."""
        if self.subprojects is None:
            return
        if not self.subprojects.is_dir():
            raise InputError("subprojects cache is not a directory",
                             input_name=str(self.subprojects),
                             hint="pass a dir holding e.g. keycodemapdb/ (meson subprojects)")
        dest = self.src / "subprojects"
        dest.mkdir(exist_ok=True)
        for d in sorted(self.subprojects.iterdir()):
            if d.is_dir() and not (dest / d.name).exists():
                shutil.copytree(d, dest / d.name, symlinks=True)

    def _run(self, argv: list[str], side: str, phase: str, cwd: Path) -> tuple[int, int, int]:
        steps, total, compiled = [0], [0], [0]

        def on_line(line: str) -> None:
            p = ninja_progress(line)
            if p:
                steps[0] += 1
                total[0] = p[1]
                if re.search(r"\b(Compiling|CC)\b", line):
                    compiled[0] += 1
                # one phase per side: the head's few steps get their own count and ETA
                label = f"{phase} {side}" if phase == "compile" else phase
                self.progress(label, p[0], p[1], redact(line[:400])[:120])

        budget = self.limits.build()
        self.sandbox.own(self.build)
        r = run_limited(self.sandbox, argv, cwd=cwd, writable=[self.build, self.tmp,
                                                               *self._lock_dirs()],
                        readonly=[self.src], budget=budget, env=self._env(), on_line=on_line)
        if r.killed_by:
            raise BuildError(f"{phase} of {side} was stopped: {limit_note(r, budget)}; last "
                             f"output:\n{shown(r.output[-1500:], ERROR_CHARS)}",
                             input_name=side,
                             hint="raise --build-timeout / --build-disk if the series is "
                                  "legitimately that big")
        if r.returncode != 0:
            raise BuildError(f"{phase} of {side} ({(self.rev or '')[:12]}) failed "
                             f"(exit {r.returncode}); first error:\n"
                             f"{shown(first_error(r.output), ERROR_CHARS)}",
                             input_name=side,
                             hint="the series does not build; fix the build first")
        return steps[0], total[0], compiled[0]

    def _lock_dirs(self) -> list[Path]:
        """meson takes a lock file in the source's subprojects/ (`.wraplock`, even for
        subprojects already there): that one directory is writable in the read-only
        source. The build may add, rename or remove entries right there; the files and
        subdirectories the checkout put in it stay the bot's and read-only."""
        sub = self.src / "subprojects"
        if sub.is_symlink() or not sub.is_dir():
            return []
        return [self.sandbox.own(sub)]

    def do_configure(self, side: str) -> None:
        """Run ../src/configure once in the build dir."""
        self.progress("configure", 0, 1, " ".join(self.profile.configure_args))
        self.sandbox.own(self.build)
        self._run([str(self.src / self.configure_script), *self.profile.configure_args],
                  side, "configure", self.build)
        self.configured = True
        self.progress("configure", 1, 1, "done")

    def compile(self, side: str) -> BuildResult:
        """Configure if needed, run ninja, copy the binary out of the build dir."""
        t0 = time.monotonic()
        if not self.configured:
            self.do_configure(side)
        argv = ["ninja"] + (["-j", str(self.jobs)] if self.jobs else [])
        steps, total, compiled = self._run([*argv, *self.profile.ninja_targets], side,
                                           "compile", self.build)
        name = Path(self.profile.binary).name
        out_dir = self.work / side
        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / name
        try:
            copy_regular(self.build, self.profile.binary, dest,
                         max_bytes=self.limits.build_file_size)
        except FileNotFoundError:
            raise BuildError(f"build of {side} produced no {self.profile.binary}",
                             input_name=side, hint="check the --target and build profile"
                             ) from None
        except ArtifactError as exc:
            raise BuildError(f"build of {side}: {self.profile.binary} is unusable: {exc.what}",
                             input_name=side, hint="the build must produce a regular file"
                             ) from None
        return BuildResult(side, self.rev or "", str(dest),
                           str(self.src / self.profile.datadir_rel), time.monotonic() - t0,
                           steps, total, compiled)


def build_pair(repo: str, base: str, head: str, workdir: str | Path, profile: BuildProfile, *,
               sandbox: Sandbox, limits: Limits, progress: Progress = no_progress,
               jobs: int | None = None, configure: str = "configure",
               subprojects: str | Path | None = None) -> tuple[BuildResult, BuildResult]:
    """Build base, then head incrementally in the same trees.

    The head binary runs with head's firmware dir; base's binary keeps a private copy of
    base's firmware dir when the series changes it.
    """
    b = Builder(repo, workdir, profile, sandbox=sandbox, limits=limits, progress=progress,
                jobs=jobs, configure=configure, subprojects=subprojects)
    b.checkout(base)
    rb = b.compile("base")
    write, delete = changed_paths(repo, b.rev or base, resolve(repo, head))
    fw = profile.datadir_rel + "/"
    if (any(p.startswith(fw) for p in write + delete) and os.path.isdir(rb.datadir)
            and not os.path.islink(rb.datadir)):
        keep = Path(workdir).resolve() / "base" / "datadir"
        shutil.copytree(rb.datadir, keep, dirs_exist_ok=True, symlinks=True)
        rb = BuildResult(rb.side, rb.rev, rb.binary, str(keep), rb.seconds, rb.steps, rb.total,
                         rb.compiled)
    b.checkout(head)
    rh = b.compile("head")
    return rb, rh
