"""Mailed-series review speed on real list series, and the in-memory apply's fidelity.

    python bench/mail_apply.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        --cache-dir /work/cache/h14mail-index [--series 50] [--seed 14] [--compare-am 5]
    python bench/mail_apply.py --repo ... --cache-dir ... --fidelity-only --series 500

Picks, with a fixed seed, real list series (pbo-linaro/qemu-ci branches named by a
Message-ID, applied on a first-parent ancestor whose subject is "ci", at most 40 commits,
changing at least one .c/.h file), turns each into an mbox with
`git format-patch --cover-letter --thread --stdout BASE..TIP`, then per series:

1. applies the mbox's patches onto BASE with bot.workspace.apply_series and compares the
   resulting tree with TIP's (the branch was made by `b4 shazam`): fidelity of the apply;
2. warms the index with one `migcheck check` of the range (not timed);
3. times `migcheck mail review MBOX --base BASE` and `migcheck check BASE..TIP` as
   subprocesses (wall time and peak RSS of each process, from wait4).

Prints per-series lines, p50/p95/max of both, the mail/check ratio, peak RSS, how each
series was applied (in memory or which fallback), and, with --compare-am N, the old
scratch-worktree `git am -3` apply time on the first N series. --fidelity-only applies
series touching any path and compares the tree after every patch with the branch's commits
(no timing). Never asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pygit2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_reports import series_base

from bot.analyze import is_reviewable
from bot.mail.config import MailSettings
from bot.sources.mail import split_mbox
from bot.workspace import AppliedSeries, apply_mails, apply_series, scratch_worktree


def reviewable(repo: pygit2.Repository, base: str, tip: pygit2.Commit) -> bool:
    """Whether BASE..TIP changes a .c/.h file the mail bot reviews (not skipped cheaply)."""
    prefixes = MailSettings().scan_prefixes
    diff = repo.diff(repo[base], tip)
    return any(
        is_reviewable(p, prefixes)
        for d in diff.deltas
        for p in (d.old_file.path, d.new_file.path)
    )


def pick(repo: pygit2.Repository, count: int, seed: int,
         reviewed_only: bool = True) -> list[tuple[str, str, str, int]]:  # fmt: skip
    """(name, base, tip, commits) of `count` real series, seeded."""
    names = sorted(
        r.removeprefix("refs/heads/")
        for r in repo.references
        if r.startswith("refs/heads/") and "@" in r and not r.endswith("_ci")
    )
    out: list[tuple[str, str, str, int]] = []
    for name in random.Random(seed).sample(names, len(names)):
        if len(out) >= count:
            break
        tip = repo.references[f"refs/heads/{name}"].peel(pygit2.Commit)
        if tip.message.startswith("b4 shazam failed"):
            continue
        base = series_base(repo, tip.id)
        if base is None or base == str(tip.id):
            continue
        n = 0
        c = tip
        while str(c.id) != base and n <= 40:
            if len(c.parents) != 1:
                n = 99
                break
            n += 1
            c = c.parents[0]
        if n > 40 or (reviewed_only and not reviewable(repo, base, tip)):
            continue
        out.append((name, base, str(tip.id), n))
    return out


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, last stdout line) of one child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode(errors="replace").splitlines()
        if proc.returncode not in (0, 1):
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
    status_line = next((ln for ln in lines if ln.startswith("<") and ">: " in ln), "")
    return wall, usage.ru_maxrss / 1024, status_line.split(">: ", 1)[-1]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]


def how_applied(applied: AppliedSeries) -> str:
    """"in memory", or "git am -3 (<reason>)" (the reason without patch numbers)."""
    return f"git am -3 ({applied.fallback_reason})" if applied.fallback_from else "in memory"


def mbox_of(repo_path: str, base: str, tip: str) -> bytes:
    """`git format-patch --cover-letter --thread --stdout BASE..TIP`."""
    return subprocess.run(
        ["git", "--git-dir", repo_path, "format-patch", "--cover-letter", "--thread",
         "--stdout", f"{base}..{tip}"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def first_parent_trees(repo: pygit2.Repository, base: str, tip: str) -> list[str]:
    """Tree ids of the commits base..tip along first parents, oldest first."""
    out: list[str] = []
    c = repo[tip].peel(pygit2.Commit)
    while str(c.id) != base and c.parents:
        out.append(str(c.tree_id))
        c = c.parents[0]
    return out[::-1]


def fidelity(repo_path: str, count: int, seed: int) -> None:
    """Apply `count` series (any paths) and compare the tree after every patch with the
    b4-applied branch's commit."""
    repo = pygit2.Repository(repo_path)
    picked = pick(repo, count, seed, reviewed_only=False)
    every = final = 0
    methods: dict[str, int] = {}
    bad: list[str] = []
    t0 = time.perf_counter()
    for name, base, tip, _n in picked:
        mails = [m.as_mail_patch(source=f"<{m.msgid}>")
                 for m in split_mbox(mbox_of(repo_path, base, tip)) if m.has_diff]  # fmt: skip
        try:
            applied = apply_series(repo_path, base, mails)
        except Exception as exc:  # a bench: record and go on
            key = f"failed: {type(exc).__name__}"
            methods[key] = methods.get(key, 0) + 1
            bad.append(f"{name}: {exc}".splitlines()[0][:160])
            continue
        how = how_applied(applied)
        methods[how] = methods.get(how, 0) + 1
        repo = pygit2.Repository(repo_path)  # objects git am may have written
        ours = first_parent_trees(repo, base, applied.head)
        theirs = first_parent_trees(repo, base, tip)
        every += ours == theirs
        final += ours[-1:] == theirs[-1:]
        if ours != theirs:
            bad.append(f"{name}: {len(ours)} vs {len(theirs)} commits, final tree "
                       f"{'same' if ours[-1:] == theirs[-1:] else 'differs'}")  # fmt: skip
    dt = time.perf_counter() - t0
    print(f"{len(picked)} series (seed {seed}, any paths) applied in {dt:.1f} s")
    print(f"same tree after every patch as the b4-applied branch: {every}/{len(picked)}; "
          f"same final tree: {final}/{len(picked)}")  # fmt: skip
    print("applied: " + ", ".join(f"{k} x{v}" for k, v in sorted(methods.items())))
    for line in bad:
        print("  " + line)


def main() -> None:
    """Run the bench and print figures."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--cache-dir", required=True)
    ap.add_argument("--series", type=int, default=50)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--compare-am", type=int, default=0, metavar="N",
                    help="also time the old worktree + git am -3 apply on the first N series")
    ap.add_argument("--fidelity-only", action="store_true",
                    help="only apply (any series, not just reviewed ones) and compare the tree "
                    "after every patch with the branch; no timing")
    args = ap.parse_args()
    if args.fidelity_only:
        fidelity(args.repo, args.series, args.seed)
        return
    repo = pygit2.Repository(args.repo)
    picked = pick(repo, args.series, args.seed)
    migcheck = [sys.executable, "-m", "bot"]
    verdicts: dict[str, int] = {}
    mail_t: list[float] = []
    check_t: list[float] = []
    apply_t: list[float] = []
    rss: list[float] = []
    methods: dict[str, int] = {}
    same_tree = 0
    diffs: list[str] = []
    am_t: list[float] = []
    print(f"{len(picked)} series of {args.repo} (seed {args.seed})")
    with tempfile.TemporaryDirectory(prefix="mc-bench-mail-") as tmp:
        for i, (name, base, tip, n) in enumerate(picked, start=1):
            mbox = Path(tmp) / "series.mbox"
            data = mbox_of(args.repo, base, tip)
            mbox.write_bytes(data)
            mails = [
                m.as_mail_patch(source=f"<{m.msgid}>") for m in split_mbox(data) if m.has_diff
            ]
            t0 = time.perf_counter()
            try:
                applied = apply_series(args.repo, base, mails)
                how = how_applied(applied)
                head_tree = repo[applied.head].peel(pygit2.Commit).tree_id
                ok = head_tree == repo[tip].peel(pygit2.Commit).tree_id
            except Exception as exc:  # a bench: record and go on
                how, ok = f"failed: {type(exc).__name__}", False
                applied = None
            apply_t.append(time.perf_counter() - t0)
            methods[how] = methods.get(how, 0) + 1
            same_tree += ok
            if not ok and applied is not None:
                d = repo.diff(repo[tip].peel(pygit2.Commit).tree,
                              repo[applied.head].peel(pygit2.Commit).tree)  # fmt: skip
                diffs.append(f"{name}: differs in {[p.delta.new_file.path for p in d][:5]}")
            common = ["--repo", args.repo, "--cache-dir", args.cache_dir]
            run_measured([*migcheck, "check", *common, "--format", "json", f"{base}..{tip}"])
            wm, rm, verdict = run_measured([*migcheck, "mail", "review", str(mbox), *common,
                                      "--base", base])  # fmt: skip
            wc, rc, _ = run_measured([*migcheck, "check", *common, "--format", "json",
                                      f"{base}..{tip}"])  # fmt: skip
            mail_t.append(wm)
            key = verdict.split(" (", 1)[0] or "?"
            verdicts[key] = verdicts.get(key, 0) + 1
            check_t.append(wc)
            rss.append(max(rm, rc))
            if i <= args.compare_am:
                t0 = time.perf_counter()
                with scratch_worktree(args.repo, base) as wt:
                    apply_mails(wt, mails)
                am_t.append(time.perf_counter() - t0)
            print(f"{i:3d} {n:2d} patches  apply {apply_t[-1]:5.2f} s  mail review "
                  f"{wm:5.2f} s ({rm:4.0f} MiB)  check {wc:5.2f} s ({rc:4.0f} MiB)  "
                  f"{'same tree' if ok else 'TREE DIFFERS'}  {how}  [{verdict[:40]}]  "
                  f"{name[:50]}",
                  flush=True)  # fmt: skip
    print("---")
    print(f"mail review: p50 {pct(mail_t, 0.5):.2f} s, p95 {pct(mail_t, 0.95):.2f} s, "
          f"max {max(mail_t):.2f} s")  # fmt: skip
    print(f"check on the same range: p50 {pct(check_t, 0.5):.2f} s, p95 "
          f"{pct(check_t, 0.95):.2f} s, max {max(check_t):.2f} s")  # fmt: skip
    ratios = [m / c for m, c in zip(mail_t, check_t, strict=True)]
    print(f"ratio mail review / check: median {statistics.median(ratios):.2f}, "
          f"p95 {pct(ratios, 0.95):.2f}; total {sum(mail_t) / sum(check_t):.2f}")  # fmt: skip
    print(f"peak RSS (max of both processes): p50 {pct(rss, 0.5):.0f} MiB, max {max(rss):.0f} "
          "MiB")  # fmt: skip
    print(f"in-process apply: p50 {pct(apply_t, 0.5) * 1000:.0f} ms, max "
          f"{max(apply_t) * 1000:.0f} ms; same tree as the b4-applied branch: {same_tree}/"
          f"{len(picked)}")  # fmt: skip
    print("mail review verdicts: " + ", ".join(f"{k} x{v}" for k, v in sorted(verdicts.items())))
    print("applied: " + ", ".join(f"{k} x{v}" for k, v in sorted(methods.items())))
    for d in diffs:
        print("  " + d)
    if am_t:
        n_am = len(am_t)
        print(f"old path (scratch worktree + git am -3), first {n_am} series: p50 "
              f"{pct(am_t, 0.5):.2f} s vs in-memory p50 "
              f"{pct(apply_t[:n_am], 0.5):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
