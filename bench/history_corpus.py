"""Measure migcheck on a labelled corpus of real QEMU commits; print recall and false alarms.

    python bench/history_corpus.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        --cache-dir /tmp/mc-qemu-cache [--split tune|holdout|all] [--jobs 2]
    python bench/history_corpus.py --repo R --cache-dir C --unrelated 100 --seed 1
    python bench/history_corpus.py --repo R --cache-dir C --list-series 100 --seed 1 [--cold]

The corpus is bench/corpus/breaks.tsv (commits that broke live migration, each proven by a
later fix) and bench/corpus/safe.tsv (VMState/QOM edits never followed by a fix); see
bench/corpus/README.md. Each corpus commit SHA is reviewed as `PARENT..SHA` (PARENT = its
first parent) by a subprocess of the installed `migcheck check --format json` command, so the
figures follow whatever bot/ and rules/ do today. Printed: recall on breaks (flagged = at least
one error or warning), false-alarm rate on safe commits, category agreement (share of flagged
breaks with an error/warning finding of the labelled category), the misses and false alarms
one line each (tune split only, unless --show-holdout), and wall time per commit (p50, p95).

Modes:
  --unrelated N  N random non-merge hw/ commits of master whose diff names no VMState/compat
                 word: share flagged (each reviewed as PARENT..SHA).
  --list-series N  N random mailing-list series (branches named by Message-ID, base = first
                 first-parent ancestor whose subject is "ci"; `_ci` twins and "b4 shazam failed"
                 tips skipped, as in bench/real_series.py): share flagged, time p50/p95;
                 with --cold every series gets a fresh empty --cache-dir (a base never seen).

The split is recomputed from the SHA (holdout when the first 8 hex digits of
sha256(sha[:12] + "migcheck-holdout") are < 3 mod 10); a corpus whose split column disagrees
is refused. Nobody tunes rules on the holdout split: its misses are not printed unless asked.
Results are cached per (migcheck source revision, item) under --results-dir so a re-run on
unchanged code is cheap; a dirty work tree keys on its diff too. Never asserts; prints figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2
from golden_reports import series_base  # bench/ is this script's directory

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"
SRC_ROOT = HERE.parent
LOUD = {"error", "warning"}
CATEGORIES = frozenset(
    "field-added-no-version field-removed field-type-or-size-changed field-semantics-changed "
    "version-bump subsection-removed-or-renamed subsection-added-unconditional "
    "needed-or-test-logic vmsd-malformed section-removed section-added section-renamed "
    "qom-reparent-or-bus-change instance-id-change compat-property-missing protocol-change "
    "other".split()
)
KINDS = frozenset(
    "qomify reparent versioned-add subsection-add rename unused move new-device refactor "
    "other".split()
)
BREAK_COLUMNS = ["sha", "fixed_by", "date", "category", "split", "reason"]
SAFE_COLUMNS = ["sha", "date", "kind", "split", "reason"]
# Words that make a hw/ commit "related" to migration for the --unrelated mode.
RELATED_WORDS = re.compile(
    rb"VMSTATE_|VMStateDescription|vmstate|vmsd|hw_compat|pc_compat|HW_COMPAT|PC_COMPAT|"
    rb"GlobalProperty|compat_props|register_savevm|qemu_put_|qemu_get_|\.needed"
)


def split_of(sha: str) -> str:
    """The split a corpus commit belongs to, recomputable from its SHA alone."""
    digest = hashlib.sha256((sha[:12] + "migcheck-holdout").encode()).hexdigest()
    return "holdout" if int(digest[:8], 16) % 10 < 3 else "tune"


class CorpusError(Exception):
    """A corpus file that cannot be measured as it stands."""


@dataclass(frozen=True)
class Item:
    """One thing to review: a corpus commit, an unrelated commit or a list series."""

    label: str  # "break", "safe", "unrelated", "series"
    sha: str  # commit SHA (12 hex) or branch name for a series
    spec: str  # BASE..HEAD handed to migcheck
    split: str = ""
    category: str = ""  # labelled Finding category of a break, or the safe kind
    reason: str = ""


@dataclass
class Outcome:
    """What migcheck said about one item."""

    item: Item
    seconds: float
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    cached: bool = False

    @property
    def loud(self) -> list[dict[str, Any]]:
        """Findings of severity error or warning."""
        return [f for f in self.findings if f.get("severity") in LOUD]

    @property
    def flagged(self) -> bool:
        """At least one error or warning."""
        return bool(self.loud)


def read_tsv(
    path: Path, columns: list[str], vocab: frozenset[str], vocab_col: str
) -> list[dict[str, str]]:
    """Rows of a corpus TSV, checked: header, 12-hex SHAs, vocabulary, split rule, no dups."""
    if not path.is_file():
        raise CorpusError(f"{path}: no such corpus file")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != columns:
            raise CorpusError(f"{path}: header is {reader.fieldnames}, expected {columns}")
        rows = list(reader)
    seen: set[str] = set()
    problems = []
    for n, row in enumerate(rows, start=2):
        sha = row["sha"]
        if not re.fullmatch(r"[0-9a-f]{12}", sha or ""):
            problems.append(f"line {n}: sha {sha!r} is not 12 lower-case hex digits")
            continue
        if sha in seen:
            problems.append(f"line {n}: {sha} listed twice")
        seen.add(sha)
        if row[vocab_col] not in vocab:
            problems.append(f"line {n}: {vocab_col} {row[vocab_col]!r} is not in the vocabulary")
        if row["split"] != split_of(sha):
            problems.append(
                f"line {n}: {sha} has split {row['split']!r} but the rule gives {split_of(sha)!r}"
            )
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise CorpusError(f"{path}: refusing the corpus:\n  {shown}{more}")
    return rows


def load_corpus(corpus_dir: Path, repo: pygit2.Repository, split: str) -> list[Item]:
    """Corpus items of the chosen split, each as PARENT..SHA."""
    breaks = read_tsv(corpus_dir / "breaks.tsv", BREAK_COLUMNS, CATEGORIES, "category")
    safe = read_tsv(corpus_dir / "safe.tsv", SAFE_COLUMNS, KINDS, "kind")
    overlap = {r["sha"] for r in breaks} & {r["sha"] for r in safe}
    if overlap:
        raise CorpusError(f"commits both broken and safe: {sorted(overlap)}")
    items = []
    for label, rows, col in (("break", breaks, "category"), ("safe", safe, "kind")):
        for row in rows:
            if split != "all" and row["split"] != split:
                continue
            items.append(
                Item(
                    label,
                    row["sha"],
                    commit_range(repo, row["sha"]),
                    row["split"],
                    row[col],
                    row["reason"],
                )
            )
    return items


def commit_range(repo: pygit2.Repository, sha: str) -> str:
    """`PARENT..SHA` for a non-merge commit (full SHAs, so no abbreviation ambiguity)."""
    try:
        commit = repo.revparse_single(sha).peel(pygit2.Commit)
    except (KeyError, ValueError) as exc:
        raise CorpusError(f"{sha}: not in {repo.path} ({exc})") from exc
    if len(commit.parents) != 1:
        raise CorpusError(f"{sha}: has {len(commit.parents)} parents, expected one")
    return f"{commit.parents[0].id}..{commit.id}"


def migcheck_exe() -> str:
    """The installed `migcheck` command next to this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("migcheck")
    if beside.exists():
        return str(beside)
    found = shutil.which("migcheck")
    if not found:
        raise CorpusError("no `migcheck` command: run `pip install -e .` in this checkout")
    return found


CODE_PATHS = ("bot", "rules", "pyproject.toml")


def source_revision() -> str:
    """Key of the migcheck code under test: git trees of bot/, rules/ and pyproject.toml at
    HEAD (so commits elsewhere keep the cache) plus a hash of any uncommitted change there."""
    try:
        trees = subprocess.run(
            ["git", "-C", str(SRC_ROOT), "rev-parse", *(f"HEAD:{p}" for p in CODE_PATHS)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        diff = subprocess.run(
            ["git", "-C", str(SRC_ROOT), "diff", "HEAD", "--", *CODE_PATHS],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    key = hashlib.sha256(" ".join(trees).encode()).hexdigest()[:16]
    return key + ("-" + hashlib.sha256(diff).hexdigest()[:12] if diff else "")


def run_migcheck(
    exe: str, repo: str, cache_dir: Path | None, spec: str, timeout: float
) -> tuple[float, list[dict[str, Any]], str]:
    """(wall seconds, findings, error text) of one `migcheck check --format json` process."""
    argv = [exe, "check", "--repo", repo, "--format", "json", "--fail-on", "never"]
    if cache_dir is not None:
        argv += ["--cache-dir", str(cache_dir)]
    argv.append(spec)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, [], f"timeout after {timeout:.0f}s"
    secs = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        last = (proc.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return secs, [], f"exit {proc.returncode}: {last[:160]}"
    try:
        findings = json.loads(proc.stdout)["findings"]
    except (ValueError, KeyError, TypeError) as exc:
        return secs, [], f"unreadable JSON report ({exc})"
    return secs, list(findings), ""


class ResultCache:
    """Outcomes stored per (migcheck revision, item spec); disabled without a revision."""

    def __init__(self, root: Path | None, revision: str) -> None:
        self.dir = root / revision if root is not None and revision else None

    def _path(self, item: Item) -> Path | None:
        if self.dir is None:
            return None
        return self.dir / (hashlib.sha256(item.spec.encode()).hexdigest()[:24] + ".json")

    def get(self, item: Item) -> Outcome | None:
        """The stored outcome of an item, if any."""
        path = self._path(item)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text())
        except ValueError:
            return None
        return Outcome(item, data["seconds"], data["findings"], data["error"], cached=True)

    def put(self, out: Outcome) -> None:
        """Store an outcome (errors are not stored, so they are retried)."""
        path = self._path(out.item)
        if path is None or out.error:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        keep = [{k: f.get(k) for k in ("rule", "severity", "category")} for f in out.findings]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seconds": out.seconds, "findings": keep, "error": ""}))
        tmp.replace(path)


def review_all(
    items: list[Item], run: Callable[[Item], Outcome], jobs: int, cache: ResultCache
) -> list[Outcome]:
    """Outcomes of all items (cached ones first), printing progress on stderr."""
    outcomes: dict[Item, Outcome] = {}
    todo = []
    for item in items:
        hit = cache.get(item)
        if hit is not None:
            outcomes[item] = hit
        else:
            todo.append(item)
    done = 0

    def one(item: Item) -> Outcome:
        out = run(item)
        cache.put(out)
        return out

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for out in pool.map(one, todo):
            outcomes[out.item] = out
            done += 1
            print(
                f"\r  {done}/{len(todo)} reviewed ({len(items) - len(todo)} cached)",
                end="",
                file=sys.stderr,
                flush=True,
            )
    if todo:
        print(file=sys.stderr)
    return [outcomes[i] for i in items]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def share(n: int, d: int) -> str:
    """`n/d (p%)`."""
    return f"{n}/{d} ({n / d:.0%})" if d else "0/0 (-)"


def timing(outcomes: Iterable[Outcome], label: str = "time per item") -> str:
    """p50/p95/max of wall times measured in this run (else those stored with cached ones)."""
    done = [o for o in outcomes if not o.error]
    secs = [o.seconds for o in done if not o.cached]
    note = ""
    if not secs:  # all from the results cache: report the times measured when they were run
        secs, note = [o.seconds for o in done], ", measured when cached"
    if not secs:
        return f"{label}: no measurement"
    return (
        f"{label}: p50 {statistics.median(secs):.2f}s  p95 {pct(secs, 0.95):.2f}s  "
        f"max {max(secs):.2f}s  (n={len(secs)}{note})"
    )


def rules_of(findings: list[dict[str, Any]]) -> str:
    """`MIG020:error,MIG031:note` — each rule once, with its worst severity."""
    rank = {"error": 3, "warning": 2, "note": 1}
    worst: dict[str, str] = {}
    for f in findings:
        rule, sev = str(f.get("rule")), str(f.get("severity"))
        if rank.get(sev, 0) > rank.get(worst.get(rule, ""), 0):
            worst[rule] = sev
    return ",".join(f"{r}:{s}" for r, s in sorted(worst.items())) or "-"


def flagged_by_label(outcomes: list[Outcome]) -> str:
    """`label flagged/total, ...` per labelled category (breaks) or kind (safe commits)."""
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        counts.setdefault(o.item.category, [0, 0])[o.flagged] += 1
    return ", ".join(f"{k} {v[1]}/{v[0] + v[1]}" for k, v in sorted(counts.items()))


def report_corpus(outcomes: list[Outcome], split: str, show_details: bool) -> None:
    """Print recall, false alarms, category agreement, misses and timing."""
    errors = [o for o in outcomes if o.error]
    breaks = [o for o in outcomes if o.item.label == "break" and not o.error]
    safe = [o for o in outcomes if o.item.label == "safe" and not o.error]
    hits = [o for o in breaks if o.flagged]
    agree = [o for o in hits if any(f.get("category") == o.item.category for f in o.loud)]
    alarms = [o for o in safe if o.flagged]
    silent = [o for o in breaks if not o.findings]
    print(
        f"\nsplit {split}: {len(breaks)} breaks, {len(safe)} safe commits"
        + (f", {len(errors)} not reviewed (errors)" if errors else "")
    )
    print(f"recall (error/warning on a break):      {share(len(hits), len(breaks))}")
    print(f"false alarms (error/warning on safe):   {share(len(alarms), len(safe))}")
    print(f"category agreement (of flagged breaks): {share(len(agree), len(hits))}")
    print(f"missed breaks with no finding at all:   {share(len(silent), len(breaks))}")
    print("recall by category:", flagged_by_label(breaks))
    print("false alarms by kind:", flagged_by_label(safe))
    fired = Counter(f.get("rule") for o in alarms for f in o.loud)
    if fired and show_details:
        print("rules behind false alarms (findings):", dict(fired.most_common()))
    print(timing(outcomes, "time per commit"))
    if show_details:
        misses = [o for o in breaks if not o.flagged]
        print(f"\nmisses ({len(misses)}): sha  category  rules fired  reason")
        for o in misses:
            print(f"  {o.item.sha}  {o.item.category}  {rules_of(o.findings)}  {o.item.reason}")
        print(f"\nfalse alarms ({len(alarms)}): sha  kind  rules fired  reason")
        for o in alarms:
            print(f"  {o.item.sha}  {o.item.category}  {rules_of(o.findings)}  {o.item.reason}")
    elif split != "tune":
        print("(holdout: individual misses and false alarms hidden; --show-holdout to list)")
    for o in errors:
        print(f"  !! {o.item.label} {o.item.sha}: {o.error}")


def pick_unrelated(repo: pygit2.Repository, count: int, seed: int, exclude: set[str]) -> list[Item]:
    """`count` random non-merge hw/ commits of master whose diff names no VMState/compat word."""
    shas = subprocess.run(
        ["git", "-C", repo.path, "rev-list", "--no-merges", "master", "--", "hw/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    rng = random.Random(seed)
    out: list[Item] = []
    for sha in rng.sample(shas, len(shas)):
        if len(out) >= count:
            break
        if sha[:12] in exclude:
            continue
        diff = subprocess.run(
            ["git", "-C", repo.path, "show", "--format=", "-U0", sha],
            capture_output=True,
            check=True,
        ).stdout
        changed = b"\n".join(ln for ln in diff.splitlines() if ln[:1] in (b"+", b"-"))
        if RELATED_WORDS.search(changed):
            continue
        out.append(Item("unrelated", sha[:12], commit_range(repo, sha)))
    return out


def pick_series(repo: pygit2.Repository, count: int, seed: int) -> list[Item]:
    """`count` random list series (skipping `_ci` twins, failed applies and empty branches)."""
    names = sorted(
        r.removeprefix("refs/heads/")
        for r in repo.references
        if r.startswith("refs/heads/") and "@" in r and not r.endswith("_ci")
    )
    out: list[Item] = []
    for name in random.Random(seed).sample(names, len(names)):
        if len(out) >= count:
            break
        tip = repo.references[f"refs/heads/{name}"].target
        if repo[tip].message.startswith("b4 shazam failed"):
            continue
        base = series_base(repo, tip)
        if base is None or base == str(tip):
            continue
        out.append(Item("series", name, f"{base}..{tip}"))
    return out


def report_sample(outcomes: list[Outcome], what: str) -> None:
    """Print the flagged share of a random sample and the rules behind it."""
    ok = [o for o in outcomes if not o.error]
    flagged = [o for o in ok if o.flagged]
    print(f"\n{what}: flagged (error/warning) {share(len(flagged), len(ok))}")
    fired = Counter(f.get("rule") for o in flagged for f in o.loud)
    if fired:
        print("rules behind them (findings):", dict(fired.most_common()))
    for o in flagged:
        print(f"  {o.item.sha}  {rules_of(o.findings)}")
    print(timing(outcomes))
    for o in outcomes:
        if o.error:
            print(f"  !! {o.item.sha}: {o.error}")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", required=True, help="QEMU git repository (bare is fine)")
    ap.add_argument("--cache-dir", type=Path, help="migcheck whole-tree index cache")
    ap.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    ap.add_argument("--split", choices=("tune", "holdout", "all"), default="tune")
    ap.add_argument(
        "--show-holdout",
        action="store_true",
        help="also list individual holdout misses and false alarms",
    )
    ap.add_argument("--unrelated", type=int, metavar="N", help="N random unrelated hw/ commits")
    ap.add_argument("--list-series", type=int, metavar="N", help="N random mailing-list series")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--cold", action="store_true", help="--list-series: a fresh empty --cache-dir per series"
    )
    ap.add_argument("--jobs", type=int, default=1, help="items reviewed in parallel")
    ap.add_argument("--limit", type=int, help="review only the first N corpus items")
    ap.add_argument(
        "--only",
        help="comma-separated filters: a corpus item is kept when its sha starts with one, or its "
        "label (break|safe), category or safe kind equals one",
    )
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per item")
    ap.add_argument(
        "--results-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "migcheck-bench"
        / "history_corpus",
    )
    ap.add_argument(
        "--no-results-cache",
        action="store_true",
        help="review every item again (timings are only taken on fresh reviews)",
    )
    args = ap.parse_args(argv)

    try:
        repo = pygit2.Repository(args.repo)
        exe = migcheck_exe()
        revision = source_revision()
        print(f"migcheck {exe} at code revision {revision or 'unknown (results not cached)'}")
        use_cache = not (args.no_results_cache or args.cold)
        cache = ResultCache(args.results_dir if use_cache else None, revision)

        def run(item: Item, cache_dir: Path | None = args.cache_dir) -> Outcome:
            secs, findings, error = run_migcheck(exe, args.repo, cache_dir, item.spec, args.timeout)
            return Outcome(item, secs, findings, error)

        def run_cold(item: Item) -> Outcome:
            with tempfile.TemporaryDirectory(prefix="mc-cold-") as tmp:
                return run(item, Path(tmp))

        if args.unrelated:
            corpus = {r for f in ("breaks.tsv", "safe.tsv") for r in _shas(args.corpus_dir / f)}
            items = pick_unrelated(repo, args.unrelated, args.seed, corpus)
            report_sample(
                review_all(items, run, args.jobs, cache),
                f"{len(items)} unrelated hw/ commits (seed {args.seed})",
            )
        elif args.list_series:
            items = pick_series(repo, args.list_series, args.seed)
            runner = run_cold if args.cold else run
            label = "cold cache" if args.cold else "warm cache"
            report_sample(
                review_all(items, runner, args.jobs, cache),
                f"{len(items)} list series (seed {args.seed}, {label})",
            )
        else:
            items = load_corpus(args.corpus_dir, repo, args.split)
            if args.only:
                wanted = [w.strip() for w in args.only.split(",") if w.strip()]
                items = [
                    it for it in items
                    if any(it.sha.startswith(w) or w in (it.label, it.category) for w in wanted)
                ]
            items = items[: args.limit]
            outcomes = review_all(items, run, args.jobs, cache)
            show = args.split == "tune" or args.show_holdout
            report_corpus(outcomes, args.split, show)
    except CorpusError as exc:
        print(f"history_corpus: {exc}", file=sys.stderr)
        return 2
    return 0


def _shas(path: Path) -> set[str]:
    """First-column SHAs of a TSV (empty when the file is missing)."""
    if not path.is_file():
        return set()
    return {ln.split("\t", 1)[0] for ln in path.read_text().splitlines()[1:] if ln}


if __name__ == "__main__":
    raise SystemExit(main())
