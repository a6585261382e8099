"""The review path on bases the index has not seen (a mailed series on an old base: the
usual case of a history corpus), timed.

    python bench/index_unseen_base.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        --cache-dir /tmp/mc-unseen [--warm 8] [--count 20] [--seed 11]

Every mailing-list series has its own base, so the index of that base is built as a delta
from the nearest revision the cache holds a summary of. This picks list series (branches of
pbo-linaro/qemu-ci named by a Message-ID, seeded) with distinct bases. The bases of the first
--warm series are indexed first, untimed, so the cache holds their summaries as a running
service's would (start from an empty --cache-dir to compare two code versions: the warm
phase then does the same work for both). For each of the next --count series it times

  index   build_index(base) + models_for_files(head, changed files) + with_files
  review  the same plus analyze() with every rule (the CLI's figure without imports)

and says how the base index was made (`nearest`: a stored summary plus the files that
differ; `whole`: every model of the tree decoded or parsed). Prints p50/p95/max; never
asserts.

With --cli it times the installed `migcheck check --format json` command instead (the
whole process: start-up, reading the series, the limited analysis child), twice per
series: first on the unseen base, then again on the same base (now in the cache), with
the p50 of each phase of the summary line.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pygit2
from golden_reports import series_base  # bench/ is this script's directory

from bot import index as index_mod
from bot.analyze import analyze
from bot.review import changed_sources
from bot.sources.gitrange import series_from_range
from rules import load_rules


def pick(repo: pygit2.Repository, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(name, base, tip) of `count` series with distinct bases and C changes, seeded."""
    names = sorted(
        r.removeprefix("refs/heads/")
        for r in repo.references
        if r.startswith("refs/heads/") and "@" in r and not r.endswith("_ci")
    )
    out: list[tuple[str, str, str]] = []
    bases: set[str] = set()
    for name in random.Random(seed).sample(names, len(names)):
        if len(out) >= count:
            break
        tip = repo.references[f"refs/heads/{name}"].target
        if repo[tip].message.startswith("b4 shazam failed"):
            continue
        base = series_base(repo, tip)
        if base is None or base == str(tip) or base in bases:
            continue
        diff = repo.diff(repo[base], repo[tip])
        if not any(d.new_file.path.endswith((".c", ".h")) for d in diff.deltas):
            continue
        bases.add(base)
        out.append((name, base, str(tip)))
    return out


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--cache-dir", type=Path, required=True)
    ap.add_argument("--warm", type=int, default=8)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cli", action="store_true", help="time the `migcheck check` command")
    args = ap.parse_args(argv)

    repo = pygit2.Repository(args.repo)
    picked = pick(repo, args.warm + args.count, args.seed)
    warm, measured = picked[: args.warm], picked[args.warm :]
    t0 = time.perf_counter()
    for _name, base, _tip in warm:
        index_mod.build_index(args.repo, base, args.cache_dir)
    print(f"warm phase: {len(warm)} bases indexed in {time.perf_counter() - t0:.1f} s")
    if args.cli:
        return run_cli(args.repo, args.cache_dir, measured)
    rules = load_rules()
    t_index: list[float] = []
    t_review: list[float] = []
    how: dict[str, int] = {}
    for i, (name, base, tip) in enumerate(measured, 1):
        series = series_from_range(args.repo, f"{base}..{tip}")
        t1 = time.perf_counter()
        old_tree = index_mod.build_index(args.repo, base, args.cache_dir)
        changed = index_mod.models_for_files(
            args.repo, tip, changed_sources(series), args.cache_dir
        )
        new_tree = old_tree.with_files(changed)
        t2 = time.perf_counter()
        report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=rules)
        t3 = time.perf_counter()
        st = old_tree.stats
        kind = "nearest" if st is not None and st.summary else "whole"
        how[kind] = how.get(kind, 0) + 1
        t_index.append(t2 - t1)
        t_review.append(t3 - t1)
        print(
            f"{i:2d}. {name[:56]:56s} {len(series.patches):2d}p {kind:7s}"
            f" parsed {st.extracted if st else -1:3d}  index {t2 - t1:.2f}s"
            f"  review {t3 - t1:.2f}s  findings {len(report.findings)}"
        )
        sys.stdout.flush()
    print(f"\n{len(measured)} series on unseen bases; base index made: {how}")
    for label, vals in (("index", t_index), ("review", t_review)):
        if vals:
            print(
                f"{label:7s} p50 {statistics.median(vals):.3f}s  p95 {pct(vals, 0.95):.3f}s"
                f"  max {max(vals):.3f}s"
            )
    return 0


def cli_once(repo: str, cache_dir: Path, spec: str) -> tuple[float, dict[str, float], int]:
    """(wall seconds, summary-line phases, findings) of one `migcheck check` process."""
    exe = shutil.which("migcheck", path=str(Path(sys.executable).parent)) or "migcheck"
    argv = [exe, "check", "--repo", repo, "--cache-dir", str(cache_dir), "--format", "json",
            "--fail-on", "never", spec]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        print(f"  !! {spec}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return wall, {}, -1
    report = json.loads(proc.stdout)
    return wall, dict(report["stats"].get("phases") or {}), len(report["findings"])


def run_cli(repo: str, cache_dir: Path, measured: list[tuple[str, str, str]]) -> int:
    """Time the command on each series: on its unseen base, then on the same base again."""
    walls: dict[str, list[float]] = {"unseen": [], "same": []}
    phases: dict[str, dict[str, list[float]]] = {"unseen": {}, "same": {}}
    for i, (name, base, tip) in enumerate(measured, 1):
        line = f"{i:2d}. {name[:50]:50s}"
        for kind in ("unseen", "same"):
            wall, ph, found = cli_once(repo, cache_dir, f"{base}..{tip}")
            walls[kind].append(wall)
            for k, v in ph.items():
                phases[kind].setdefault(k, []).append(v)
            line += f"  {kind} {wall:5.2f}s"
        print(f"{line}  findings {found}")
        sys.stdout.flush()
    print(f"\n{len(measured)} series, `migcheck check` wall time per series")
    for kind, label in (("unseen", "unseen base"), ("same", "same base  ")):
        vals = walls[kind]
        per = "  ".join(f"{k} {statistics.median(v):.2f}" for k, v in phases[kind].items())
        print(f"{label} p50 {statistics.median(vals):.3f}s  p95 {pct(vals, 0.95):.3f}s"
              f"  max {max(vals):.3f}s   phase p50s: {per}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
