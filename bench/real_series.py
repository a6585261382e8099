"""Review real mailing-list series (branches of pbo-linaro/qemu-ci) and print what migcheck says.

    /work/venv/bin/python bench/real_series.py \
        --repo /work/.mirror/pbo-linaro+qemu-ci/repo --count 20 --seed 2 \
        --cache-dir /tmp/mc-qemu-cache

Each branch of that repository named by a Message-ID is one series posted to qemu-devel,
applied on top of a commit whose subject is "ci"; that commit is the series' base. For a
seeded random sample of such branches (the `_ci` twins are skipped) it reviews base..branch
with the whole-tree index (branches whose tip is "b4 shazam failed" hold no series and
are skipped), prints one line per series (patches, findings by severity, the
rules that fired, time), then the timing distribution:
  - `analysis`: the pure analysis (Report.stats.seconds),
  - `cli warm`: the whole review in this process with the on-disk index cache warm,
  - `service warm`: the same with a long-lived in-memory model memo, as the worker keeps it,
  - with --process: `process warm`, a real `migcheck check --repo R --cache-dir C BASE..HEAD`
    in a fresh interpreter (the user's figure: imports, per-revision index summary, analysis),
    run right after the in-process reviews warmed the cache, with its peak RSS,
and the peak RSS of this process. Never asserts; prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pygit2

from bot import index as index_mod
from bot.analyze import analyze
from bot.findings import Severity
from bot.review import changed_sources
from bot.sources.gitrange import series_from_range
from rules import load_rules


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


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def run_cli(repo: str, cache_dir: Path, spec: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one `migcheck check` process on a range."""
    exe = str(Path(sys.executable).with_name("migcheck"))
    argv = [exe, "check", "--repo", repo, "--cache-dir", str(cache_dir), "--fail-on", "never"]
    argv += ["--format", "json", "--output", os.devnull, spec]
    t0 = time.perf_counter()
    pid = os.posix_spawn(exe, argv, dict(os.environ))
    _, status, usage = os.wait4(pid, 0)
    secs = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        print(f"   !! migcheck check exited {os.waitstatus_to_exitcode(status)} on {spec}")
    return secs, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/mc-qemu-cache"))
    ap.add_argument("--show", type=int, default=0, help="print the full text of N reports")
    ap.add_argument(
        "--process", action="store_true", help="also time `migcheck check` in a fresh process"
    )
    args = ap.parse_args(argv)

    repo = pygit2.Repository(args.repo)
    names = sorted(
        r.removeprefix("refs/heads/")
        for r in repo.references
        if r.startswith("refs/heads/") and "@" in r and not r.endswith("_ci")
    )
    rng = random.Random(args.seed)
    rules = load_rules()
    memo: dict[str, object] = {}
    rows = []
    t_analysis: list[float] = []
    t_cli: list[float] = []
    t_service: list[float] = []
    t_process: list[float] = []
    rss_process: list[float] = []
    fired: Counter[str] = Counter()
    quiet = 0
    for name in rng.sample(names, len(names)):
        if len(rows) >= args.count:
            break
        tip = repo.references[f"refs/heads/{name}"].target
        if repo[tip].message.startswith("b4 shazam failed"):
            continue  # the series did not apply upstream: the branch holds only a log file
        base = series_base(repo, tip)
        if base is None or base == str(tip):
            continue
        series = series_from_range(args.repo, f"{base}..{tip}")
        if len(series.patches) > 60:
            continue
        times = []
        report = None
        for shared in (None, memo):  # cli warm, then service warm (memo filled by the first)
            t0 = time.perf_counter()
            old_tree = new_tree = None
            if any(p.endswith((".c", ".h")) for p in changed_sources(series)):
                old_tree = index_mod.build_index(
                    args.repo, series.base, args.cache_dir, memo=shared  # type: ignore[arg-type]
                )
                changed = index_mod.models_for_files(
                    args.repo, series.head, changed_sources(series), args.cache_dir
                )
                new_tree = old_tree.with_files(changed)
            report = analyze(series, old_tree=old_tree, new_tree=new_tree, rules=rules)
            times.append(time.perf_counter() - t0)
        assert report is not None
        t_cli.append(times[0])
        t_service.append(times[1])
        proc = ""
        if args.process:
            secs, mib = run_cli(args.repo, args.cache_dir, f"{base}..{tip}")
            t_process.append(secs)
            rss_process.append(mib)
            proc = f" process {secs:.2f}s {mib:.0f}MiB"
        t_analysis.append(report.stats.seconds)
        sev = Counter(f.severity for f in report.findings)
        rules_hit = sorted({f.rule for f in report.findings})
        fired.update(rules_hit)
        loud = sev[Severity.ERROR] + sev[Severity.WARNING]
        quiet += loud == 0
        rows.append(name)
        print(
            f"{len(rows):2d}. {name[:58]:58s} {len(series.patches):2d}p "
            f"E{sev[Severity.ERROR]} W{sev[Severity.WARNING]} N{sev[Severity.NOTE]} "
            f"{','.join(rules_hit) or '-':24s} analysis {report.stats.seconds:.2f}s "
            f"cli {times[0]:.2f}s service {times[1]:.2f}s{proc}"
            + (f"  [skipped: {report.stats.skipped_reason}]" if report.stats.skipped_reason else "")
        )
        if args.show and report.findings and len(rows) <= args.show * 4:
            from bot.reporters import text

            print(text.render(report))
        sys.stdout.flush()
    n = len(rows)
    print(f"\n{n} series; {quiet} with no error or warning ({quiet / max(n, 1):.0%} quiet)")
    print("rules that fired (series count):", dict(fired.most_common()))
    timings = (
        ("analysis", t_analysis),
        ("cli warm", t_cli),
        ("service warm", t_service),
        ("process warm", t_process),
    )
    for label, vals in timings:
        if vals:
            print(
                f"{label:13s} p50 {statistics.median(vals):.3f}s  p95 {pct(vals, 0.95):.3f}s  "
                f"max {max(vals):.3f}s"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MiB")
    if rss_process:
        print(
            f"peak RSS of `migcheck check`: p50 {statistics.median(rss_process):.0f} MiB  "
            f"max {max(rss_process):.0f} MiB"
        )
    cache_mib = sum(f.stat().st_size for f in args.cache_dir.glob("models.sqlite*")) / 2**20
    print(f"on-disk index cache: {cache_mib:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
