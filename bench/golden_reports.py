"""Golden run: `migcheck check --format json` on fixed real QEMU series and history commits.

    python bench/golden_reports.py run --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        --out /tmp/golden-before
    python bench/golden_reports.py compare /tmp/golden-before /tmp/golden-after

`run` picks, with a fixed seed, N mailing-list series (branches of pbo-linaro/qemu-ci named by
a Message-ID, applied on a commit whose subject is "ci") and M first-parent history commits
that touch VMState or compat arrays, and writes one normalised JSON report per item (timings
dropped, findings sorted). `compare` prints, per item, the findings that appeared, disappeared
or changed (keyed by rule + path + entity + message). Used to prove that a refactor keeps
behaviour. Never asserts; prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pygit2

VMSTATE_WORDS = (b"VMSTATE_", b"VMStateDescription", b"hw_compat_", b"GlobalProperty")


def series_base(repo: pygit2.Repository, tip: pygit2.Oid, limit: int = 200) -> str | None:
    """The first-parent ancestor whose subject is exactly "ci" (the series' base)."""
    commit = repo[tip]
    for _ in range(limit):
        if commit.message.strip().splitlines()[0:1] == ["ci"]:
            return str(commit.id)
        if not commit.parents:
            return None
        commit = commit.parents[0]
    return None


def range_touches_vmstate(repo: pygit2.Repository, base: str, tip: pygit2.Oid) -> bool:
    """Whether BASE..TIP adds or removes a line naming VMState or compat arrays."""
    diff = repo.diff(repo[base], repo[tip], context_lines=0)
    for patch in diff:
        if not patch.delta.new_file.path.endswith((".c", ".h")):
            continue
        for hunk in patch.hunks:
            for line in hunk.lines:
                if line.origin in "+-" and any(w in line.raw_content for w in VMSTATE_WORDS):
                    return True
    return False


def pick_series(
    repo: pygit2.Repository, count: int, seed: int, vmstate_share: float = 2 / 3
) -> list[tuple[str, str]]:
    """(name, BASE..TIP) for `count` real list series, seeded; about `vmstate_share` of them
    touch VMState or compat arrays (random series alone rarely give any finding)."""
    want_vm = round(count * vmstate_share)
    n_vm = n_other = 0
    names = sorted(
        r.removeprefix("refs/heads/")
        for r in repo.references
        if r.startswith("refs/heads/") and "@" in r and not r.endswith("_ci")
    )
    out: list[tuple[str, str]] = []
    for name in random.Random(seed).sample(names, len(names)):
        if len(out) >= count:
            break
        tip = repo.references[f"refs/heads/{name}"].target
        if repo[tip].message.startswith("b4 shazam failed"):
            continue
        base = series_base(repo, tip)
        if base is None or base == str(tip):
            continue
        n = int(
            subprocess.run(
                ["git", "-C", repo.path, "rev-list", "--count", f"{base}..{tip}"],
                capture_output=True, text=True, check=True,
            ).stdout
        )
        if n > 40:
            continue
        if range_touches_vmstate(repo, base, tip):
            if n_vm >= want_vm:
                continue
            n_vm += 1
        else:
            if n_other >= count - want_vm:
                continue
            n_other += 1
        out.append((name, f"{base}..{tip}"))
    return out


def touches_vmstate(repo: pygit2.Repository, commit: pygit2.Commit) -> bool:
    """Whether the commit's diff adds or removes a line naming VMState or compat arrays."""
    diff = repo.diff(commit.parents[0], commit, context_lines=0)
    for patch in diff:
        path = patch.delta.new_file.path
        if not path.endswith((".c", ".h")):
            continue
        for hunk in patch.hunks:
            for line in hunk.lines:
                if line.origin in "+-" and any(w in line.raw_content for w in VMSTATE_WORDS):
                    return True
    return False


def pick_commits(repo: pygit2.Repository, rev: str, count: int, seed: int) -> list[tuple[str, str]]:
    """(sha, PARENT..SHA) for `count` first-parent non-merge commits touching VMState."""
    head = repo.revparse_single(rev).peel(pygit2.Commit)
    pool: list[pygit2.Commit] = []
    commit = head
    while len(pool) < 3000 and commit.parents:
        parent = commit.parents[0]
        if len(commit.parents) == 1:
            pool.append(commit)
        commit = parent
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for c in rng.sample(pool, len(pool)):
        if len(out) >= count:
            break
        if touches_vmstate(repo, c):
            out.append((str(c.id)[:12], f"{c.parents[0].id}..{c.id}"))
    return out


def normalise(report: dict[str, Any]) -> dict[str, Any]:
    """Drop what changes run to run (timings, cache counters); sort findings."""
    report = dict(report)
    for key in ("stats", "timing", "seconds", "duration"):
        report.pop(key, None)
    findings = report.get("findings") or []
    report["findings"] = sorted(
        findings, key=lambda f: json.dumps(f, sort_keys=True)
    )
    return report


def run(args: argparse.Namespace) -> int:
    """Write one normalised JSON report per item into args.out."""
    repo = pygit2.Repository(args.repo)
    items = [("series", n, s) for n, s in pick_series(repo, args.series, args.seed)]
    items += [("commit", n, s) for n, s in pick_commits(repo, args.rev, args.commits, args.seed)]
    args.out.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("migcheck"))
    (args.out / "items.json").write_text(json.dumps(items, indent=1))
    for kind, name, spec in items:
        argv = [exe, "check", "--repo", args.repo, "--cache-dir", str(args.cache_dir),
                "--fail-on", "never", "--format", "json", spec]
        proc = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ))
        safe = name.replace("/", "_")[:100]
        if proc.returncode not in (0, 1):
            print(f"{kind} {name}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
            (args.out / f"{kind}-{safe}.json").write_text(
                json.dumps({"exit": proc.returncode, "stderr": proc.stderr[-2000:]}, indent=1)
            )
            continue
        report = normalise(json.loads(proc.stdout))
        (args.out / f"{kind}-{safe}.json").write_text(json.dumps(report, indent=1, sort_keys=True))
        n = len(report["findings"])
        print(f"{kind} {name[:60]}: {n} findings")
    return 0


def key(f: dict[str, Any]) -> str:
    """Identity of a finding across runs: rule, path, entity, message."""
    return "|".join(str(f.get(k)) for k in ("rule", "path", "entity", "message"))


def compare(args: argparse.Namespace) -> int:
    """Print per-item differences between two golden runs."""
    before: Path = args.before
    after: Path = args.after
    same = differ = 0
    for path in sorted(before.glob("*-*.json")):
        other = after / path.name
        if not other.exists():
            print(f"{path.name}: missing after")
            differ += 1
            continue
        a = json.loads(path.read_text())
        b = json.loads(other.read_text())
        fa = {key(f): f for f in a.get("findings", [])}
        fb = {key(f): f for f in b.get("findings", [])}
        lines = [f"  - {k}" for k in sorted(fa.keys() - fb.keys())]
        lines += [f"  + {k}" for k in sorted(fb.keys() - fa.keys())]
        for k in sorted(fa.keys() & fb.keys()):
            if json.dumps(fa[k], sort_keys=True) != json.dumps(fb[k], sort_keys=True):
                fields = sorted(
                    f for f in set(fa[k]) | set(fb[k]) if fa[k].get(f) != fb[k].get(f)
                )
                lines.append(f"  ~ {k} ({', '.join(fields)})")
        if a.get("exit") != b.get("exit"):
            lines.append(f"  exit {a.get('exit')} -> {b.get('exit')}")
        if lines:
            differ += 1
            print(path.name)
            print("\n".join(lines))
        else:
            same += 1
    print(f"\n{same} identical, {differ} differ")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--repo", required=True)
    r.add_argument("--rev", default="master")
    r.add_argument("--series", type=int, default=30)
    r.add_argument("--commits", type=int, default=20)
    r.add_argument("--seed", type=int, default=11)
    r.add_argument("--cache-dir", type=Path, default=Path("/tmp/mc-qemu-cache"))
    r.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    return run(args) if args.cmd == "run" else compare(args)


if __name__ == "__main__":
    raise SystemExit(main())
