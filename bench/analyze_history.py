"""Run analyze() (all registered rules, no tree) over real QEMU commits; print numbers.

    /work/venv/bin/python bench/analyze_history.py \
        --repo /work/.mirror/pbo-linaro+qemu-ci/repo --rev ece408818d --count 300

Each first-parent commit of `rev` (newest first, merges skipped) becomes a one-patch Series;
also runs a few multi-patch windows (`--window`) to exercise the series fold. Prints per-rule
finding counts, rule crashes, quick-skip share and timing. Never asserts wall time.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time

import pygit2

from bot.analyze import analyze
from bot.sources.gitrange import open_repo, series_between
from rules import load_rules


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--window", type=int, default=5, help="patches per multi-patch series")
    ap.add_argument("--show", type=int, default=15, help="findings to print")
    args = ap.parse_args(argv)

    repo = open_repo(args.repo)
    head = repo.revparse_single(args.rev).peel(pygit2.Commit)
    rules = load_rules()
    commits: list[pygit2.Commit] = []
    for c in repo.walk(head.id, pygit2.enums.SortMode.TIME):  # like `git log --no-merges`
        if len(c.parents) == 1:
            commits.append(c)
            if len(commits) >= args.count:
                break

    by_rule: collections.Counter[str] = collections.Counter()
    by_sev: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    skipped = parsed = 0
    flagged: set[str] = set()
    shown = 0
    t_all = time.perf_counter()
    for commit in commits:
        series = series_between(repo, commit.parents[0], commit)
        t0 = time.perf_counter()
        report = analyze(series, rules=rules)
        times.append(time.perf_counter() - t0)
        parsed += report.stats.files_parsed
        if report.stats.skipped_reason:
            skipped += 1
        for e in report.stats.rule_errors:
            errors[e] += 1
        for f in report.findings:
            flagged.add(str(commit.id))
            by_rule[f.rule] += 1
            by_sev[f.severity.value] += 1
            if shown < args.show:
                shown += 1
                print(
                    f"{commit.short_id} {f.rule} {f.severity.value} {f.path}:{f.line} "
                    f"{f.message[:110]}"
                )
    wall = time.perf_counter() - t_all

    print(f"\ncommits {len(commits)}  quick-skipped {skipped}  files parsed {parsed}")
    print(
        f"analyze() per commit: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms; total {wall:.1f} s"
    )
    print("findings by rule:", dict(sorted(by_rule.items())))
    print("findings by severity:", dict(by_sev))
    print(f"commits with findings: {len(flagged)}/{len(commits)}")
    print(f"rule crashes: {sum(errors.values())}")
    for e, n in errors.most_common(10):
        print(f"  {n:4d} {e[:160]}")

    # multi-patch windows: fold + bisectability notes
    notes = 0
    wtimes: list[float] = []
    for tip in commits[:100]:
        chain = [tip]
        while len(chain) <= args.window and len(chain[-1].parents) == 1:
            chain.append(chain[-1].parents[0])
        if len(chain) <= args.window:
            continue  # a merge within reach: not a linear series
        series = series_between(repo, chain[-1], tip)
        t0 = time.perf_counter()
        report = analyze(series, rules=rules)
        wtimes.append(time.perf_counter() - t0)
        notes += sum(1 for f in report.findings if "not bisectable" in f.message)
    if wtimes:
        print(
            f"\n{len(wtimes)} windows of {args.window} patches: median "
            f"{statistics.median(wtimes) * 1000:.1f} ms, bisectability notes {notes}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
