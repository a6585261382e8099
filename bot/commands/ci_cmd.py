"""`migcheck ci`: run inside a GitLab CI job.

Merge request pipelines (detached or merged results): reviews
CI_MERGE_REQUEST_DIFF_BASE_SHA (the merge base GitLab shows the MR diff against) .. the MR's
head, which is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA in merged-results pipelines and merge
trains (there CI_COMMIT_SHA is GitLab's temporary merge commit) and CI_COMMIT_SHA otherwise.
Pipelines of the default branch (CI_COMMIT_BRANCH == CI_DEFAULT_BRANCH): writes the baseline
the MR widget compares against — migcheck reviews changes, so the target branch itself has
no findings, and without a report there the widget shows nothing at all.

Writes gl-code-quality-report.json (for `artifacts: reports: codequality:`) and
migcheck.sarif, prints the text report, and exits 1 when a finding reaches --fail-on
(default: error), 2 on bad input. See deploy/gitlab-ci-example.yml.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.commands.output import FAIL_ON, exit_code
from bot.errors import InputError


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `ci` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "ci",
        help="GitLab CI job mode (Code Quality + SARIF reports)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--repo", metavar="DIR", help="repository (default: $CI_PROJECT_DIR or .)")
    p.add_argument("--base", metavar="SHA", help="default: $CI_MERGE_REQUEST_DIFF_BASE_SHA")
    p.add_argument("--head", metavar="SHA", help="default: $CI_COMMIT_SHA")
    p.add_argument(
        "--codequality",
        metavar="FILE",
        default="gl-code-quality-report.json",
        help="Code Quality report path, relative to the repo (default: %(default)s)",
    )
    p.add_argument(
        "--sarif",
        metavar="FILE",
        default="migcheck.sarif",
        help="SARIF report path, relative to the repo (default: %(default)s)",
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding has at least this severity (default: error)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="index cache (default: $CI_PROJECT_DIR/.migcheck-cache)",
    )
    p.add_argument("--no-index", action="store_true", help="look at the changed files only")
    p.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="TOML file of [[waiver]] tables: findings accepted on purpose (never fail the job)",
    )
    return p


def is_baseline(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """A default-branch pipeline without an explicit range: write the baseline reports."""
    if args.base or env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or env.get("CI_MERGE_REQUEST_IID"):
        return False
    branch = env.get("CI_COMMIT_BRANCH", "")
    return bool(branch) and branch == env.get("CI_DEFAULT_BRANCH")


def resolve_range(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, str, str]:
    """(repo, base, head) from arguments, else the CI environment; InputError when missing."""
    repo = args.repo or env.get("CI_PROJECT_DIR") or "."
    base = (
        args.base
        or env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA")
    )
    # merged results / merge trains: CI_COMMIT_SHA is the merge commit, not the MR's head
    head = args.head or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA")
    if not base:
        raise InputError(
            "no base commit: not a merge request pipeline (CI_MERGE_REQUEST_DIFF_BASE_SHA is "
            "not set) and not a pipeline of the default branch",
            input_name="migcheck ci",
            hint="run the job in merge request pipelines (rules: if $CI_PIPELINE_SOURCE == "
            '"merge_request_event") and on the default branch (if $CI_COMMIT_BRANCH == '
            "$CI_DEFAULT_BRANCH), or pass --base SHA",
        )
    if not head:
        raise InputError(
            "no head commit: CI_COMMIT_SHA is not set",
            input_name="migcheck ci",
            hint="pass --head SHA",
        )
    return repo, base, head


def run(args: argparse.Namespace) -> int:
    """Review, write both reports, print the text report, exit by --fail-on."""
    from bot.bounded import AnalysisLimits
    from bot.report import Report
    from bot.reporters import codequality, sarif, text
    from bot.review import ReviewOptions, review
    from bot.series import Series
    from bot.sources.gitrange import series_from_range
    from bot.waivers import load_waivers

    if is_baseline(args, os.environ):
        repo = args.repo or os.environ.get("CI_PROJECT_DIR") or "."
        head = args.head or os.environ.get("CI_COMMIT_SHA") or ""
        report = Report(Series(base=head, head=head, patches=(), folded=()), ())
        print(f"migcheck: default branch {os.environ.get('CI_COMMIT_BRANCH')}: writing the "
              "baseline (no findings) that merge requests are compared with", file=sys.stderr)
    else:
        repo, base, head = resolve_range(args, os.environ)
        cache = None if args.no_index else (args.cache_dir or Path(repo) / ".migcheck-cache")
        try:
            wfile = getattr(args, "waivers", None)
            waivers = load_waivers(wfile) if wfile is not None else ()
            series = series_from_range(repo, f"{base}..{head}")
            report = review(series, ReviewOptions(repo=repo, cache_dir=cache, waivers=waivers,
                                                  limits=AnalysisLimits()))  # fmt: skip
        except InputError as exc:
            if exc.hint is not None:
                raise
            raise InputError(
                exc.what,
                input_name=exc.input_name,
                hint="CI clones are shallow: set GIT_DEPTH: 0 (or fetch the base) in the job",
            ) from exc
    for name, render in ((args.codequality, codequality.render), (args.sarif, sarif.render)):
        path = Path(repo) / name
        try:
            path.write_text(render(report), encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot write the report: {exc.strerror or exc}", input_name=str(path)
            ) from exc
    sys.stdout.write(text.render(report))
    print(f"migcheck: wrote {args.codequality} and {args.sarif}", file=sys.stderr)
    return exit_code(report, args.fail_on)
