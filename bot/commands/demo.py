"""`migcheck demo`: review the sample series the project ships, in a throw-away repository.

Builds a git repository from examples/sample-base (one commit, made with pygit2), applies
examples/sample-series/*.patch onto it with `git am -3` like `migcheck check --base` does,
and prints the report. The sample series breaks migration three ways on purpose.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pygit2

from bot.commands.output import add_report_arguments, emit, exit_code
from bot.errors import InputError
from bot.sample import build_sample_repo, examples_dir, sample_patches


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `demo` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="review the shipped sample series (no QEMU checkout needed)",
        description=__doc__,
    )
    add_report_arguments(p)
    p.set_defaults(fail_on="never")
    p.add_argument(
        "--examples",
        type=Path,
        metavar="DIR",
        help="directory holding sample-base/ and sample-series/ (default: the shipped one)",
    )
    p.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="create the sample repository in DIR (must not exist) and keep it, with the "
        "applied series on branch sample-series",
    )
    p.add_argument("--no-index", action="store_true", help="skip the whole-tree index")
    return p


def run(args: argparse.Namespace) -> int:
    """Build the sample repository, review the sample series, print the report."""
    from bot.review import ReviewOptions, review
    from bot.sources.patches import applied_series

    root: Path = args.examples or examples_dir()
    patches = sample_patches(root / "sample-series")
    tmp = Path(tempfile.mkdtemp(prefix="migcheck-demo-"))
    try:
        repo_dir = args.keep if args.keep is not None else tmp / "repo"
        if args.keep is not None and args.keep.exists():
            raise InputError(
                "already exists", input_name=str(args.keep), hint="pass a new directory to --keep"
            )
        base = build_sample_repo(root / "sample-base", repo_dir)
        cache = None if args.no_index else tmp / "cache"
        with applied_series(str(repo_dir), base, patches) as series:
            report = review(series, ReviewOptions(repo=str(repo_dir), cache_dir=cache))
        if args.keep is not None:
            # Keep the applied series reachable for `git log sample-series` in the kept repo.
            repo = pygit2.Repository(str(repo_dir))
            repo.references.create("refs/heads/sample-series", pygit2.Oid(hex=report.series.head))
            print(
                f"migcheck: sample repository kept in {repo_dir} (branch sample-series)",
                file=sys.stderr,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    emit(report, args.format, args.output)
    return exit_code(report, args.fail_on)
