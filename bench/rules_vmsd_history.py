"""Run the VMSD rules (MIG001-MIG015) over known QEMU commits and compare with expectations.

    /work/venv/bin/python bench/rules_vmsd_history.py --repo /work/.mirror/pbo-linaro+qemu-ci/repo

Each commit (parent..commit, no tree index) is analysed with the RULES-A rules only. A seed
lists the rules a maintainer expects ("+") and the ones that must stay silent ("-"); the
script prints hits, misses and false alarms per seed and a summary. Never asserts.
"""

from __future__ import annotations

import argparse
import collections

from bot.analyze import analyze
from bot.sources.gitrange import open_repo, resolve_commit, series_between
from rules import load_rules

VMSD_RULES = {f"MIG{i:03d}" for i in range(1, 16)}

# commit, expected rules, rules that must not fire, why
SEEDS: tuple[tuple[str, frozenset[str], frozenset[str], str], ...] = (
    ("aac63e0e6e", frozenset({"MIG006"}), frozenset(), "pl011 clock subsection always sent"),
    ("e6fa978d83", frozenset(), frozenset({"MIG006"}), "fix: .needed tied to migrate-clk"),
    ("dfcf74fa68", frozenset({"MIG014"}), frozenset({"MIG004", "MIG001"}),
     "virtio-gpu nested _V(2) fields"),
    ("99abcbc760", frozenset({"MIG007"}), frozenset(), "clock/muldiv without END_OF_LIST"),
    ("acbcd06e5d", frozenset(), frozenset({"MIG007"}), "fix: add missing END_OF_LIST"),
    ("a08a64627b", frozenset({"MIG013"}), frozenset(), "acpi-ged/ghes nests itself"),
    ("136fc6aa2c", frozenset(), frozenset({"MIG013", "MIG003"}), "fix: avoid infinite recursion"),
    ("4e78f3bf35", frozenset({"MIG012"}), frozenset(), "esp_is_version_5 uses =="),
    ("0bcd5a1894", frozenset(), frozenset({"MIG012"}), "fix: esp version check"),
    ("d9c96f2425", frozenset({"MIG014"}), frozenset(), "virtio-iommu domain _V(2) in GTREE"),
    ("40a23ef643", frozenset(), frozenset({"MIG014", "MIG001"}), "virtio-gpu fix: _V -> _TEST"),
    ("47d50cc421", frozenset(), frozenset({"MIG002"}), "ats_enabled -> VMSTATE_UNUSED(1)"),
    ("41df6c8300", frozenset(), frozenset({"MIG002"}), "pl011 readbuff -> VMSTATE_UNUSED"),
    ("40b242884e", frozenset(), frozenset({"MIG002"}), "sdcard mode -> VMSTATE_UNUSED(4)"),
    ("af903caed9", frozenset(), frozenset({"MIG002"}), "arm features -> VMSTATE_UNUSED"),
    ("ab57b51f13", frozenset(), frozenset({"MIG006"}), "scsi-disk/pr subsection, compat"),
    ("628bda1ab7", frozenset(), frozenset({"MIG006"}), "ppc cpu/rtas_stopped subsection"),
    ("5fb7d14995", frozenset(), frozenset({"MIG001"}), "e1000e timadj _TEST field"),
    ("5f8d505e3a", frozenset({"MIG004"}), frozenset(), "stellaris gamepad version bump"),
    ("c0a6385728", frozenset({"MIG004"}), frozenset(), "aspeed_rtc 64-bit offset"),
    # section renamed: a new section for the wire (MIG021); layout/version diffs are moot
    ("c827c06a4d", frozenset(), frozenset({"MIG002", "MIG004", "MIG015"}),
     "m25p80 vmsd renamed, versions reset"),
    # minimum_version_id raised past the old version: old streams are refused cleanly (MIG004)
    ("7fa859914f", frozenset({"MIG004"}), frozenset({"MIG001", "MIG005"}),
     "mps2-fpgaio subsection folded in, min version raised"),
)


def _sweep(repo: object, path: str, rev: str, n: int, rules: tuple[object, ...]) -> None:
    """Findings of the VMSD rules on the newest `n` non-merge commits touching VMSTATE_."""
    import subprocess

    out = subprocess.run(
        ["git", f"--git-dir={path}", "log", "--no-merges", "--format=%h", f"-n{n}",
         "-G", "VMSTATE_|VMStateDescription", rev, "--", "hw", "target"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    by_rule: collections.Counter[str] = collections.Counter()
    with_findings = 0
    for rev_ in out:
        commit = resolve_commit(repo, rev_)  # type: ignore[arg-type]
        series = series_between(repo, commit.parents[0], commit)  # type: ignore[arg-type]
        report = analyze(series, rules=rules)  # type: ignore[arg-type]
        if report.stats.rule_errors:
            print(f"  {rev_} rule errors: {report.stats.rule_errors}")
        if not report.findings:
            continue
        with_findings += 1
        subj = commit.message.splitlines()[0][:70]
        print(f"  {rev_} {subj}")
        for f in report.findings:
            by_rule[f.rule] += 1
            print(f"     {f.rule} {f.severity.value} {f.path}:{f.line} {f.message[:150]}")
    print(f"sweep: {len(out)} commits, {with_findings} with findings, by rule "
          f"{dict(sorted(by_rule.items()))}")


def _tree_scan(repo: object, rev: str, rules: tuple[object, ...]) -> None:
    """Every .c file under hw/ and target/ as an added file; print malformed findings."""
    import pygit2

    from bot.series import FileChange, Patch, Series

    commit = resolve_commit(repo, rev)  # type: ignore[arg-type]
    files: list[FileChange] = []

    def walk(tree: pygit2.Tree, prefix: str) -> None:
        for e in tree:
            path = f"{prefix}{e.name}"
            if e.type_str == "tree":
                walk(e, path + "/")  # type: ignore[arg-type]
            elif path.endswith(".c"):
                data = e.data  # type: ignore[attr-defined]
                if b"VMStateDescription" in data:
                    files.append(FileChange(None, path, None, data))

    for top in ("hw", "target"):
        walk(commit.tree[top], top + "/")  # type: ignore[arg-type]
    by_rule: collections.Counter[str] = collections.Counter()
    malformed = {f"MIG{i:03d}" for i in range(7, 14)}
    sel = tuple(r for r in rules if r.spec.id in malformed)  # type: ignore[attr-defined]
    for i in range(0, len(files), 50):
        chunk = tuple(files[i:i + 50])
        series = Series("0" * 40, "1" * 40, (Patch(1, "1" * 40, "scan", "scan", chunk),), chunk)
        report = analyze(series, rules=sel)  # type: ignore[arg-type]
        for f in report.findings:
            by_rule[f.rule] += 1
            print(f"     {f.rule} {f.severity.value} {f.path}:{f.line} {f.message[:150]}")
        if report.stats.rule_errors:
            print(f"  rule errors: {report.stats.rule_errors}")
    print(f"tree scan: {len(files)} files with vmsds; malformed findings {dict(by_rule)}")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--sweep", type=int, default=0,
                    help="also run the N newest commits of --rev touching VMSTATE_ lines")
    ap.add_argument("--rev", default="ece408818d")
    ap.add_argument("--tree-scan", action="store_true",
                    help="treat every hw/ and target/ .c file at --rev as added and count "
                         "the vmsd-malformed findings (MIG007-MIG013): a false-positive probe")
    args = ap.parse_args(argv)
    repo = open_repo(args.repo)
    rules = tuple(r for r in load_rules() if r.spec.id in VMSD_RULES)
    hit = miss = false_alarm = 0
    totals: collections.Counter[str] = collections.Counter()
    for rev, want, forbid, why in SEEDS:
        commit = resolve_commit(repo, rev)
        series = series_between(repo, commit.parents[0], commit)
        report = analyze(series, rules=rules)
        got = collections.Counter(f.rule for f in report.findings)
        totals.update(got)
        ok = sorted(want & set(got))
        missing = sorted(want - set(got))
        bad = sorted(forbid & set(got))
        hit += len(ok)
        miss += len(missing)
        false_alarm += len(bad)
        status = "OK " if not missing and not bad else "BAD"
        print(f"{status} {rev} {why}: got {dict(sorted(got.items()))}"
              + (f" missing {missing}" if missing else "")
              + (f" unwanted {bad}" if bad else ""))
        if args.verbose or missing or bad:
            for f in report.findings:
                print(f"     {f.rule} {f.severity.value} {f.path}:{f.line} {f.message[:160]}")
        if report.stats.rule_errors:
            print(f"     rule errors: {report.stats.rule_errors}")
    if args.tree_scan:
        _tree_scan(repo, args.rev, rules)
    if args.sweep:
        _sweep(repo, args.repo, args.rev, args.sweep, rules)
    print(f"\nseeds {len(SEEDS)}: expected hits {hit}, misses {miss}, unwanted {false_alarm}; "
          f"findings by rule {dict(sorted(totals.items()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
