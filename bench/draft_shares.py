"""How good are the fix drafts? Print the shares of findings with a ready draft and with a
draft verified from source, on the rule fixtures and on real QEMU history commits.

    python bench/draft_shares.py --fixtures [--show]
    python bench/draft_shares.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        --cache-dir /work/cache/NAME-index [--only CATEGORY] [--limit 30] [--show]

Fixtures: every tests/rules case is analyzed as the fixture test does and its drafts are
verified (`bot.fixverify`). History: the tune rows of bench/corpus/breaks.tsv and
safe.tsv (never the holdout) are reviewed as PARENT..SHA by the installed `migcheck check
--format json` (which verifies drafts by default) until --limit commits had a draft.
Printed: findings, findings with a draft, drafts free of bare placeholders and within 80
columns (`bot.fixedit.draft_problems`), drafts verified from source, and why the others
were not. Never asserts; prints figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "rules"))


@dataclass(frozen=True)
class Seen:
    """One finding as the bench counts it."""

    where: str
    rule: str
    draft: str | None
    check: str | None


def fixture_findings() -> Iterator[Seen]:
    """Every finding of every rule fixture, drafts verified."""
    from fixturelib import discover
    from test_drafts import verified_report

    from rules import load_rules

    rules = load_rules()
    for case in discover():
        if not case.files:
            continue
        for f in verified_report(case, rules).findings:
            yield Seen(f"{case.id} {f.path}:{f.line}", f.rule, f.fix_draft, f.fix_check)


def _rows(name: str, only: str | None) -> Iterator[dict[str, str]]:
    with open(HERE / "corpus" / name, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["split"] != "tune":
                continue
            label = row.get("category") or row.get("kind") or ""
            if only and not (row["sha"].startswith(only) or label == only):
                continue
            yield row


def history_findings(
    repo: str, cache_dir: str, only: str | None, limit: int
) -> Iterator[tuple[str, list[Seen]]]:
    """(sha, findings) of corpus commits reviewed as PARENT..SHA, until `limit` had a draft."""
    with_draft = 0
    for row in [*_rows("breaks.tsv", only), *_rows("safe.tsv", only)]:
        if with_draft >= limit:
            return
        sha = row["sha"]
        cmd = [sys.executable, "-m", "bot", "check", "--repo", repo, "--cache-dir", cache_dir,
               "--quiet", "--format", "json", "--fail-on", "never", f"{sha}^..{sha}"]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            print(f"  {sha}: migcheck failed: {out.stderr.strip()[-200:]}", file=sys.stderr)
            continue
        data = json.loads(out.stdout)
        seen = [Seen(f"{sha} {f['path']}:{f['line']}", f["rule"], f.get("fix_draft"),
                     f.get("fix_check")) for f in data["findings"]]  # fmt: skip
        if any(s.draft for s in seen):
            with_draft += 1
        yield sha, seen


def summarize(title: str, seen: list[Seen], show: bool) -> None:
    """Print the shares for one set of findings."""
    from bot.fixedit import draft_problems

    drafts = [s for s in seen if s.draft]
    ready = [s for s in drafts if not draft_problems(s.draft or "")]
    verified = [s for s in drafts if s.check == "fix verified from source"]
    why = Counter((s.check or "not tried").split(" (")[0] for s in drafts if s not in verified)

    def pct(n: int, d: int) -> str:
        return f"{n}/{d} ({100 * n / d:.0f} %)" if d else "0/0"

    print(f"{title}: {len(seen)} findings, {pct(len(drafts), len(seen))} with a draft")
    print(f"  drafts ready (no bare placeholder, <= 80 columns): {pct(len(ready), len(drafts))}")
    print(f"  drafts verified from source: {pct(len(verified), len(drafts))}")
    for reason, n in why.most_common():
        print(f"    {n:3d}  {reason}")
    if show:
        for s in drafts:
            probs = draft_problems(s.draft or "")
            if probs or s not in verified:
                print(f"  {s.where} {s.rule}: {s.check}; {'; '.join(probs[:3])}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", action="store_true", help="the rule fixtures")
    ap.add_argument("--repo", help="QEMU repository (history corpus)")
    ap.add_argument("--cache-dir", help="index cache dir for the history corpus")
    ap.add_argument("--only", help="corpus rows of this category/kind or sha prefix")
    ap.add_argument("--limit", type=int, default=30, help="commits with a draft (default 30)")
    ap.add_argument("--show", action="store_true", help="list drafts not ready or not verified")
    args = ap.parse_args(argv)
    if args.fixtures:
        summarize("rule fixtures", list(fixture_findings()), args.show)
    if args.repo:
        if not args.cache_dir:
            ap.error("--repo needs --cache-dir")
        allseen: list[Seen] = []
        commits = 0
        for sha, seen in history_findings(args.repo, args.cache_dir, args.only, args.limit):
            commits += 1
            allseen.extend(seen)
            n = sum(1 for s in seen if s.draft)
            ok = sum(1 for s in seen if s.check == "fix verified from source")
            print(f"  {sha}: {len(seen)} findings, {n} drafts, {ok} verified", flush=True)
        summarize(f"history ({commits} commits)", allseen, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
