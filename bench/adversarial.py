"""Adversarial run: hostile inputs against the real components, counted by what went wrong.

    python bench/adversarial.py [--only SUBSTRING] [--list] [--json]

Each hostile input (a "case") runs in its own temp dir with (fake) secrets in the bot's
environment, a dir outside the work dir holding a canary file, and a forbidden dir holding
marker files. The runner, not the case, decides what went wrong:
  leaked     a secret value (or a credential the case planted) appears in a text the case
             says would leave the process (an error shown to people, a finding, a reply);
  wrote      the outside dir changed (a file created, changed or removed), or the case saw
             something it was not allowed to change (e.g. the base binary) change;
  read       a forbidden marker appears in what left or in any file under the work dir, or
             a host socket accepted a connection from the case;
  limit      the case ran past its wall-clock budget, or reports a limit it broke (processes,
             file size, disk, memory of the bot).
Prints one line per case and the totals: tried N, leaked/wrote/read/limit counts (goal 0 of
each), plus cases that crashed the runner (a bug to look at, not a pass).

Adding a hostile input: write a function `def my_case(ctx: Ctx) -> Seen` that attacks through
the real component (build_pair, run_artifacts, the redactor, a service...) and returns what
would leave the process, decorate it with `@hostile("name", "area", seconds=N)`, done. Ctx
gives a tmp dir, the secrets, the outside/forbidden paths, a host socket, a series maker and a
fresh-interpreter runner (for memory measurements). Areas so far: build, qemu, locate,
analysis (generated big C files under the source analysis limits, with their wall and CPU
time printed), redact, config; mail and GitLab commands are meant to join.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "artifacts"))
sys.path.insert(0, str(ROOT / "tests" / "security"))

from art_buildfix import CONFIGURE, commit_all  # noqa: E402
from secfix import FAKE_SECRETS, FORGER_C, PROFILE, hostile_series  # noqa: E402

from bot.artifacts.build import build_pair  # noqa: E402
from bot.artifacts.sandbox import Limits, probe  # noqa: E402
from bot.errors import BotError  # noqa: E402

MIB = 1024 * 1024
SECRETS = {**FAKE_SECRETS, "CI_JOB_TOKEN": "glcbt-64_AdvJobTokenAbCdEf.01.zz1"}
CANARIES = ("canary.txt", "victim.c", "victim.txt")  # in the outside dir, for cases to aim at
MARKERS = {"state.sqlite3": "FORBIDDEN-STATE-7f3a", "migcheck.toml": "FORBIDDEN-CONFIG-19c2",
           "other-job.txt": "FORBIDDEN-OTHERJOB-55e1"}


@dataclass
class Seen:
    """What a case observed: texts that would leave the process, and flags it can judge."""

    texts: list[str] = field(default_factory=list)
    wrote: str = ""  # why the case says something outside changed
    read: str = ""  # why the case says something forbidden was read or reached
    limit: str = ""  # which limit the case says was broken
    planted: tuple[str, ...] = ()  # credentials the case put in its input itself
    note: str = ""  # figures the case measured, printed with its line


@dataclass
class Ctx:
    """Everything a case may use."""

    tmp: Path
    outside: Path  # holds CANARIES; any change there counts as "wrote outside"
    forbidden: Path  # holds MARKERS; any of them seen counts as "read a forbidden path"
    work: Path
    secrets: dict[str, str]
    unix_sock: Path
    tcp_port: int

    def series(self, head_gen: str, *, base_gen: str = "echo generated\n") -> tuple[str, str, str]:
        """(repo, base, head) of the fixture project with hostile `gen.sh` build steps."""
        repo, base, head = hostile_series(self.tmp / "repo-root", head_gen, base_gen=base_gen)
        return str(repo), base, head

    def build(self, repo: str, base: str, head: str, **limits: Any) -> list[str]:
        """build_pair under the real sandbox; the texts a failure would show."""
        try:
            build_pair(repo, base, head, self.work, PROFILE, sandbox=probe(True),
                       limits=make_limits(**limits))
        except BotError as exc:
            return [str(exc)]
        return []

    def python(self, code: str, *, timeout: float = 300, soft_memory: int = 0
               ) -> subprocess.CompletedProcess[str]:
        """Run code in a fresh interpreter (last stdout line is usually JSON)."""
        pre = ""
        if soft_memory:
            pre = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, "
                   f"({soft_memory}, resource.RLIM_INFINITY))\n")
        return subprocess.run([sys.executable, "-c", pre + textwrap.dedent(code)], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False)


def make_limits(**kw: Any) -> Limits:
    """Limits with the fields this version knows (older versions lack some limits: the
    attack then simply runs unlimited, which is what the bench should count)."""
    known = {f.name for f in dataclasses.fields(Limits)}
    return Limits(**{k: v for k, v in kw.items() if k in known})


Case = Callable[[Ctx], Seen]
CASES: list[tuple[str, str, float, Case]] = []


def hostile(name: str, area: str, *, seconds: float = 120) -> Callable[[Case], Case]:
    """Register a case with its wall-clock budget."""
    def deco(fn: Case) -> Case:
        CASES.append((name, area, seconds, fn))
        return fn
    return deco


# Build steps -------------------------------------------------------------------------------
@hostile("build prints its environment", "build")
def env_dump(ctx: Ctx) -> Seen:
    repo, base, head = ctx.series("env >&2\nenv > \"$PWD/env.txt\"\nexit 1\n")
    texts = ctx.build(repo, base, head)
    env_file = ctx.work / "build" / "env.txt"
    return Seen(texts + ([env_file.read_text()] if env_file.exists() else []))


@hostile("build echoes credentials it carries", "build")
def echo_planted(ctx: Ctx) -> Seen:
    planted = ("redis://:p@ss/w0rd@redis.internal:6379/0", "glpat-Pl4ntedT0kenAbCdEf.01.0pl4")
    gen = "".join(f"echo 'error: {p} token {p}' >&2\n" for p in planted) + "exit 1\n"
    repo, base, head = ctx.series(gen)
    return Seen(ctx.build(repo, base, head), planted=("p@ss/w0rd", "0pl4", "Pl4ntedT0ken"))


@hostile("build reads state DB, config, other job", "build")
def read_host_files(ctx: Ctx) -> Seen:
    gen = "".join(f"cat {ctx.forbidden / n} >&2; cat {ctx.forbidden / n} > \"$PWD/copy-{n}\"\n"
                  for n in MARKERS) + "ls -la /run /var/run >&2\nexit 1\n"
    repo, base, head = ctx.series(gen)
    return Seen(ctx.build(repo, base, head))


@hostile("build connects to host sockets", "build")
def host_sockets(ctx: Ctx) -> Seen:
    gen = textwrap.dedent(f"""\
        python3 - <<'PY'
        import socket
        for fam, addr in ((socket.AF_UNIX, {str(ctx.unix_sock)!r}),
                          (socket.AF_INET, ("127.0.0.1", {ctx.tcp_port}))):
            try:
                s = socket.socket(fam); s.settimeout(2); s.connect(addr); s.sendall(b"x")
            except OSError:
                pass
        PY
        """)
    repo, base, head = ctx.series(gen)
    return Seen(ctx.build(repo, base, head))


@hostile("build remounts / read-write and writes outside", "build")
def remount(ctx: Ctx) -> Seen:
    target = ctx.outside / "pwned"
    gen = (f"mount -o remount,bind,rw / ; mount -o remount,bind,rw {ctx.outside} ;"
           f" echo pwned > {target}; unshare -Urm sh -c 'mount -o remount,rw / ;"
           f" echo pwned > {target}'; echo tried\n")
    repo, base, head = ctx.series(gen)
    return Seen(ctx.build(repo, base, head))


@hostile("build forks without end", "build", seconds=120)
def fork_bomb(ctx: Ctx) -> Seen:
    gen = textwrap.dedent("""\
        python3 - > "$PWD/forks.txt" <<'PY'
        import os, time
        n = 0
        for _ in range(2000):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(5); os._exit(0)
            n += 1
        print(n)
        PY
        """)
    repo, base, head = ctx.series(gen)
    texts = ctx.build(repo, base, head, build_processes=128)
    forks = int((ctx.work / "build" / "forks.txt").read_text().split()[0])
    return Seen(texts, limit=f"{forks} processes (limit 128)" if forks >= 128 else "")


@hostile("build writes a huge file", "build")
def huge_file(ctx: Ctx) -> Seen:
    repo, base, head = ctx.series("head -c 200000000 /dev/zero > big\n")
    texts = ctx.build(repo, base, head, build_file_size=16 * MIB)
    big = ctx.work / "build" / "big"
    size = big.stat().st_size if big.exists() else 0
    return Seen(texts, limit=f"a {size >> 20} MiB file (limit 16)" if size > 16 * MIB else "")


@hostile("build fills the disk", "build")
def disk_fill(ctx: Ctx) -> Seen:
    gen = ('i=0; while [ $i -lt 300 ]; do head -c 1048576 /dev/zero > "f$i"; i=$((i+1)); '
           "sleep 0.01; done\n")
    repo, base, head = ctx.series(gen)
    texts = ctx.build(repo, base, head, build_disk=32 * MIB)
    used = sum(f.stat().st_size for f in (ctx.work / "build").glob("f*"))
    # the watchdog scans about once a second: allow what a second of writing adds
    return Seen(texts, limit=f"{used >> 20} MiB written (limit 32)" if used > 160 * MIB else "")


@hostile("build hangs", "build", seconds=30)
def hang(ctx: Ctx) -> Seen:
    repo, base, head = ctx.series("sleep 1000 &\nwhile :; do :; done\n")
    return Seen(ctx.build(repo, base, head, build_seconds=5))


@hostile("build floods its output (300 MB, no newline)", "build", seconds=180)
def output_flood(ctx: Ctx) -> Seen:
    repo, base, head = ctx.series("head -c 300000000 /dev/zero | tr '\\0' x >&2\nexit 1\n")
    r = ctx.python(f"""
        import json, resource
        from bot.artifacts.build import BuildProfile, build_pair
        from bot.artifacts.sandbox import Limits, probe
        from bot.errors import BotError
        p = BuildProfile("x86_64", ("--target-list=x86_64-softmmu",), "qemu-system-x86_64")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        err = ""
        try:
            build_pair({repo!r}, {base!r}, {head!r}, {str(ctx.work)!r}, p, sandbox=probe(True),
                       limits=Limits())
        except BotError as e:
            err = str(e)
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(json.dumps({{"grew_mib": grew / 1024, "err": err[:20000], "err_len": len(err)}}))
    """)
    out = json.loads(r.stdout.splitlines()[-1]) if r.returncode == 0 else {}
    grew = out.get("grew_mib", 1e9)
    big = out.get("err_len", 0) > 100_000
    return Seen([out.get("err", r.stderr[-2000:])],
                limit=(f"bot grew {grew:.0f} MiB" if grew > 32 else "")
                + (f"; error text of {out['err_len']} chars" if big else ""))


# Host-side file work ---------------------------------------------------------------------------
@hostile("base build swaps a source dir for a symlink", "build")
def src_symlink(ctx: Ctx) -> Seen:
    repo_s, base, _ = ctx.series("echo x\n")
    repo = Path(repo_s)
    (repo / "sub").mkdir()
    (repo / "sub" / "victim.c").write_text("/* */\n")
    (repo / "gen.sh").write_text(f'src=$(dirname "$0"); rm -rf "$src/sub" && '
                                 f'ln -s {ctx.outside} "$src/sub"; echo done\n')
    base = commit_all(repo, "base plants a symlink")
    (repo / "sub" / "victim.c").unlink()
    head = commit_all(repo, "head deletes through it")
    return Seen(ctx.build(repo_s, base, head))


@hostile("built binary is a symlink to a host file", "build")
def binary_symlink(ctx: Ctx) -> Seen:
    repo_s, base, _ = ctx.series("echo x\n")
    repo = Path(repo_s)
    secret = ctx.forbidden / "state.sqlite3"
    (repo / "configure").write_text(
        CONFIGURE.replace(r'command = cc \$in -o \$out"', f'command = ln -sf {secret} \\$out"'))
    head = commit_all(repo, "link to a host file")
    return Seen(ctx.build(repo_s, base, head))


@hostile("head build overwrites the base binary", "build")
def forge_base(ctx: Ctx) -> Seen:
    base_bin = ctx.work / "base" / "qemu-system-x86_64"
    repo, base, head = ctx.series(f'printf "#!/bin/sh\\necho forged\\n" > {base_bin}; echo x\n')
    texts = ctx.build(repo, base, head)
    forged = base_bin.exists() and b"forged" in base_bin.read_bytes()
    return Seen(texts, wrote="the base binary was replaced" if forged else "")




@hostile("head QEMU forges the base binary and plants log symlinks", "qemu", seconds=240)
def forge_at_runtime(ctx: Ctx) -> Seen:
    repo_s, base, _ = ctx.series("echo x\n")
    repo = Path(repo_s)
    (repo / "src" / "main.c").write_text(FORGER_C.replace("VICTIM",
                                                          str(ctx.outside / "victim.txt")))
    head = commit_all(repo, "forger")
    r = ctx.python(f"""
        from bot.artifacts.build import BuildProfile
        from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
        fs = run_artifacts({repo_s!r}, {base!r}, {head!r}, ArtifactOptions(
            workdir={str(ctx.work)!r}, machines=("pc-q35-7.2",), checker="builtin",
            profile=BuildProfile("x86_64", (), "qemu-system-x86_64")))
        print(len(getattr(fs, "findings", fs)))
    """)
    b = ctx.work / "b" / "base" / "qemu-system-x86_64"
    h = ctx.work / "b" / "head" / "qemu-system-x86_64"
    same = b.exists() and h.exists() and b.read_bytes() == h.read_bytes()
    return Seen([r.stdout[-2000:], r.stderr[-2000:]],
                wrote="the base binary became the head's" if same else "")


def _fake_qemu(ctx: Ctx, body: str) -> str:
    p = ctx.tmp / "fake-qemu"
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(p)


@hostile("QEMU's dump is a symlink to /dev/zero", "qemu", seconds=60)
def dump_dev_zero(ctx: Ctx) -> Seen:
    q = _fake_qemu(ctx, 'while [ "$#" -gt 0 ]; do [ "$1" = -dump-vmstate ] && '
                        'ln -s /dev/zero "$2"; shift; done\n')
    r = ctx.python(f"""
        from bot.artifacts.dump import QemuBinary, dump_vmstate
        from bot.artifacts.sandbox import Limits, probe
        from bot.errors import BotError
        try:
            dump_vmstate(QemuBinary({q!r}), "pc", {str(ctx.work / "d" / "x.json")!r},
                         sandbox=probe(True), limits=Limits())
        except BotError as e:
            print("refused", str(e)[:300])
    """, timeout=90, soft_memory=2 << 30)
    return Seen([r.stdout], limit="" if "refused" in r.stdout else
                f"the bot read /dev/zero ({(r.stderr.strip().splitlines() or ['?'])[-1]})")


@hostile("QEMU's dump is a symlink to a forbidden file", "qemu")
def dump_symlink_secret(ctx: Ctx) -> Seen:
    from bot.artifacts.dump import QemuBinary, dump_vmstate

    q = _fake_qemu(ctx, f'while [ "$#" -gt 0 ]; do [ "$1" = -dump-vmstate ] && '
                        f'ln -s {ctx.forbidden / "migcheck.toml"} "$2"; shift; done\n')
    try:
        dump_vmstate(QemuBinary(q), "pc", ctx.work / "d" / "x.json", sandbox=probe(True),
                     limits=Limits())
        return Seen()
    except BotError as exc:
        return Seen([str(exc)])


@hostile("QEMU names machines with paths", "qemu")
def machine_paths(ctx: Ctx) -> Seen:
    from bot.artifacts.dump import QemuBinary, list_machines

    ctx.work.mkdir(parents=True, exist_ok=True)
    q = _fake_qemu(ctx, f'echo "Supported machines are:"\necho "../../../..{ctx.outside}/x-9.9 y"'
                        '\necho "pc-q35-9.0 fine"\n')
    names = [n for n, _ in list_machines(QemuBinary(q), sandbox=probe(True), limits=Limits(),
                                         workdir=ctx.work)]
    bad = [n for n in names if "/" in n]
    return Seen(names, wrote=f"accepted machine names with paths: {bad}" if bad else "")


@hostile("tree's checker script prints secrets and floods", "qemu")
def upstream_checker(ctx: Ctx) -> Seen:
    from bot.artifacts.upstream import reconcile, run_upstream

    script = ctx.tmp / "vmstate-static-checker.py"
    script.write_text(
        "import os\n"
        "print('Section \"' + os.environ.get('MIGCHECK_GITLAB_TOKEN', 'glpat-Pl4ntedChk0Token'"
        "'AbCd.01.chk1') + '\" does not exist in dest')\n"
        "print('password hunter2Chk ' + 'x' * 5_000_000)\n"
        "for i in range(20000):\n    print('noise', i)\n")
    dump = ctx.tmp / "d.json"
    dump.write_text('{"vmschkmachine": {"Name": "pc"}}')
    ctx.work.mkdir(parents=True, exist_ok=True)
    fs = reconcile(None, run_upstream(script, dump, dump, sandbox=probe(True), limits=Limits(),
                                      workdir=ctx.work))
    text = "\n".join(f.message + repr(f.extra) for f in fs)
    return Seen([text], planted=("hunter2Chk", "Pl4ntedChk0Token", "chk1"),
                limit=f"{len(fs)} findings, {len(text)} chars" if len(text) > 2_000_000 else "")


@hostile("tracked symlink hw/evil.c -> /dev/zero", "locate", seconds=180)
def tracked_dev_zero(ctx: Ctx) -> Seen:
    repo_s, base, _ = ctx.series("echo x\n")
    repo = Path(repo_s)
    (repo / "hw").mkdir()
    os.symlink("/dev/zero", repo / "hw" / "evil.c")
    base = commit_all(repo, "symlink")
    (repo / "src" / "unit0.c").write_text("int unit0(void) { return 3; }\n")
    head = commit_all(repo, "head")
    r = ctx.python(f"""
        from bot.artifacts.build import BuildProfile
        from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
        fs = run_artifacts({repo_s!r}, {base!r}, {head!r}, ArtifactOptions(
            workdir={str(ctx.work)!r}, machines=("pc-q35-7.2",), checker="builtin",
            migrate=False, profile=BuildProfile("x86_64", (), "qemu-system-x86_64")))
        print("done", len(getattr(fs, "findings", fs)))
    """, timeout=170, soft_memory=2 << 30)
    return Seen([r.stdout], limit="" if "done" in r.stdout else
                f"the locator did not finish ({(r.stderr.strip().splitlines() or ['?'])[-1]})")


# Source analysis limits (bot/bounded.py) ----------------------------------------------------
ANALYSIS = """
import json, resource, sys, time
sys.path.insert(0, "bench")
from vmsd_many import series, source
from bot.review import ReviewOptions, review
try:
    from bot.bounded import AnalysisLimits
    options = ReviewOptions(limits=AnalysisLimits(**{limits}))
except ImportError:  # a version without analysis limits: reviewed unbounded
    options = ReviewOptions()
s = series(None, source({devices}, set()))
def cpu():
    return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
               for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
t0, c0 = time.perf_counter(), cpu()
r = review(s, options)
print(json.dumps({{"mb": len(s.folded[0].new) / 1e6, "wall": time.perf_counter() - t0,
                  "cpu": cpu() - c0, "findings": len(r.findings),
                  "too_large": [f.message for f in r.findings if f.rule == "LIMIT"]}}))
"""


def _analysis_case(devices: int, limits: dict[str, Any], budget: float, too_large: bool
                   ) -> Case:
    """Review a generated file of `devices` x 3 vmsds under `limits` (a real child); the
    limit is broken when the review takes longer than `budget` or its answer is not the
    expected one (too large, or reviewed)."""
    def run(ctx: Ctx) -> Seen:
        try:
            r = ctx.python(ANALYSIS.format(limits=limits, devices=devices),
                           timeout=budget + 120)
        except subprocess.TimeoutExpired:
            return Seen(limit=f"no answer within {budget + 120:.0f} s")
        if r.returncode != 0:
            return Seen([r.stderr[-2000:]], limit=f"exit {r.returncode}: "
                        + (r.stderr.strip().splitlines() or ["?"])[-1])
        m = json.loads(r.stdout.splitlines()[-1])
        said = m["too_large"][0] if m["too_large"] else f"reviewed: {m['findings']} findings"
        note = (f"{m['mb']:.1f} MB, {3 * devices} vmsds: {m['wall']:.2f} s wall, "
                f"{m['cpu']:.2f} s cpu; {said}")
        limit = ""
        if m["wall"] > budget:
            limit = f"took {m['wall']:.1f} s (limit {budget:g} s)"
        elif bool(m["too_large"]) != too_large:
            limit = "not answered too large" if too_large else "not reviewed"
        return Seen(texts=[said], limit=limit, note=note)
    return run


hostile("10 MB .c file: too large (file cap)", "analysis", seconds=120)(
    _analysis_case(8000, {}, 10.0, True))
hostile("10 MB .c file, file cap lifted: ends at its 30 s / 1 GiB limit", "analysis",
        seconds=180)(_analysis_case(8000, {"max_file_bytes": 64 << 20, "seconds": 30.0,
                                           "memory": 1 << 30}, 40.0, True))
hostile("1 MB .c file with 3,000 VMSDs: reviewed in <= 5 s", "analysis", seconds=120)(
    _analysis_case(1000, {}, 5.0, False))


# Redaction and configuration ----------------------------------------------------------------
REDACT_INPUTS = [
    ("url password with /", "redis://:pa/ss@redis.internal:6379/0", "pa/ss"),
    ("url password with @", "redis://user:p@ss@redis.internal/0", "ss@redis"),
    ("token word", "git push with token abc", "abc"),
    ("netrc password", "machine gl login oauth2 password hunter2", "hunter2"),
    ("CI_JOB_TOKEN=", "CI_JOB_TOKEN=64_AbCdEfGhIjKlMnOp", "64_AbCd"),
    ("quoted env password", "export MIGCHECK_SMTP_PASSWORD='s3cr3t value'", "s3cr3t"),
    ("glpat routable tail", "glpat-AbCdEf123456789_xyzAB.01.1b2c3d4e5", "1b2c3d4e5"),
    ("gldt", "gldt-AbCdEfGhIjKlMnOpQrSt.01.0z9y8x7w6", "0z9y8x7w6"),
    ("glrt", "glrt-t1_AbCdEfGhIjKlMnOpQr.0w1abc.2ab34", "2ab34"),
    ("runner registration", "GR1348941AbCdEfGhIjKlMnOpQrSt", "AbCdEfGhIj"),
    ("bearer", "Authorization: Bearer abcdefgh12345678", "abcdefgh1234"),
]


def _redact_case(text: str, secret: str) -> Case:
    def run(ctx: Ctx) -> Seen:
        from bot.logsetup import Redactor

        return Seen([Redactor.from_environment().redact(text)], planted=(secret,))
    return run


for _name, _text, _secret in REDACT_INPUTS:
    hostile(f"redact: {_name}", "redact", seconds=5)(_redact_case(_text, _secret))


CONFIG_URLS = [
    ("queue", "url", "redis://:cfgPw1x@redis.internal:6379/0"),
    ("queue", "url", "redis://default:cfg/Pw2x@redis.internal:6379/0"),
    ("gitlab", "url", "https://bot:cfgPw3x@gitlab.example.com"),
    ("service", "state_url", "postgresql://m:cfgPw4x@db.example/m"),
    ("service", "public_url", "https://a:cfgPw5x@migcheck.example/status"),
]


def _config_case(section: str, key: str, url: str) -> Case:
    def run(ctx: Ctx) -> Seen:
        cfg = ctx.tmp / "m.toml"
        cfg.write_text(f'[{section}]\n{key} = "{url}"\n')
        r = subprocess.run([sys.executable, "-m", "bot", "config", "check", str(cfg)],
                           cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        pw = url.split(":", 2)[2].split("@")[0]
        accepted = "accepted (exit 0)" if r.returncode == 0 else ""
        return Seen([r.stdout + r.stderr, accepted], planted=(pw, *(("exit 0",) if accepted
                                                                    else ())))
    return run


for _s, _k, _u in CONFIG_URLS:
    hostile(f"config check: password in {_s}.{_k}", "config", seconds=30)(_config_case(_s, _k, _u))


# Runner ---------------------------------------------------------------------------------------
def _snapshot(d: Path) -> dict[str, str]:
    out = {}
    for p in sorted(d.rglob("*")):
        if p.is_symlink():
            out[str(p)] = "->" + os.readlink(p)
        elif p.is_file():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(p)] = "dir"
    return out


def _work_has_marker(work: Path) -> str:
    if not work.exists():
        return ""
    for p in work.rglob("*"):
        try:
            if p.is_symlink() or not p.is_file() or p.stat().st_size > 64 * MIB:
                continue
            data = p.read_bytes()
        except OSError:
            continue
        for m in MARKERS.values():
            if m.encode() in data:
                return f"{m} found in {p.relative_to(work)}"
    return ""


def run_case(name: str, seconds: float, fn: Case) -> dict[str, Any]:
    """Run one case in a fresh dir and judge it."""
    tmp = Path(tempfile.mkdtemp(prefix="adv-"))
    ctx = Ctx(tmp, tmp / "outside", tmp / "forbidden", tmp / "work", dict(SECRETS),
              tmp / "host.sock", 0)
    ctx.outside.mkdir()
    for canary in CANARIES:
        (ctx.outside / canary).write_text(f"{canary} must stay as it is\n")
    ctx.forbidden.mkdir()
    for n, m in MARKERS.items():
        (ctx.forbidden / n).write_text(m + "\n")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(ctx.unix_sock))
    unix.listen(4)
    unix.settimeout(0.05)
    tcp = socket.create_server(("127.0.0.1", 0))
    tcp.settimeout(0.05)
    ctx.tcp_port = tcp.getsockname()[1]
    before = _snapshot(ctx.outside)
    t0 = time.monotonic()
    error = ""
    try:
        seen = fn(ctx)
    except Exception:  # a crash of the case is reported, never counted as a pass
        seen = Seen()
        error = traceback.format_exc(limit=3).strip().splitlines()[-1]
    took = time.monotonic() - t0
    texts = "\n".join(seen.texts)
    leaked = [k for k, v in ctx.secrets.items() if v in texts]
    leaked += [p for p in seen.planted if p in texts]
    wrote = seen.wrote or ("outside dir changed" if _snapshot(ctx.outside) != before else "")
    read = seen.read
    for m in MARKERS.values():
        if m in texts:
            read = read or f"{m} in the output"
    read = read or _work_has_marker(ctx.work)
    for s in (unix, tcp):
        try:
            s.accept()[0].close()
            read = read or "a host socket accepted a connection"
        except OSError:
            pass
        s.close()
    limit = seen.limit or (f"took {took:.0f} s (budget {seconds:.0f})" if took > seconds else "")
    shutil.rmtree(tmp, ignore_errors=True)
    return {"case": name, "seconds": round(took, 1), "leaked": ", ".join(leaked),
            "wrote": wrote, "read": read, "limit": limit, "error": error, "note": seen.note}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run the cases whose name or area contains this")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--json", action="store_true", help="one JSON object per case")
    a = ap.parse_args()
    cases = [c for c in CASES if a.only in c[0] or a.only == c[1]]
    if a.list:
        for name, area, seconds, _ in cases:
            print(f"{area:8} {seconds:5.0f}s  {name}")
        return 0
    os.environ.update(SECRETS)  # the bot's environment holds credentials, as deployed
    sb = probe(True)
    print(f"sandbox: {sb.describe()}  (euid {os.geteuid()})")
    results = []
    for name, area, seconds, fn in cases:
        r = run_case(name, seconds, fn)
        results.append(r)
        if a.json:
            print(json.dumps({"area": area, **r}), flush=True)
        else:
            bad = [f"{k}: {r[k]}" for k in ("leaked", "wrote", "read", "limit", "error") if r[k]]
            print(f"{'FAIL' if bad else 'ok  '} {area:7} {r['seconds']:6.1f}s  {name}"
                  + (f"  [{r['note']}]" if r["note"] else "")
                  + (f"  -- {'; '.join(bad)}" if bad else ""), flush=True)
    counts = {k: sum(1 for r in results if r[k]) for k in ("leaked", "wrote", "read", "limit",
                                                             "error")}
    print(f"tried {len(results)}: leaked a secret {counts['leaked']}, wrote outside "
          f"{counts['wrote']}, read a forbidden path {counts['read']}, ran past a limit "
          f"{counts['limit']} (goal 0 each); runner errors {counts['error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
