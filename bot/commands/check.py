"""`migcheck check`: review a git range or a mailed series and print a report.

    migcheck check --repo PATH BASE..HEAD
    migcheck check --repo PATH --base REV FILE...

Exit 0: nothing at or above --fail-on; 1: findings at or above it; 2: bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.artifacts.cli_args import ProgressPrinter, add_artifact_arguments, options_from_args
from bot.commands.output import add_report_arguments, emit, exit_code
from bot.errors import InputError
from bot.series import Series

if TYPE_CHECKING:
    from bot.review import ReviewOptions

_USAGE_HINT = (
    "use `migcheck check --repo PATH BASE..HEAD` or `migcheck check --repo PATH --base REV FILE...`"
)


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `check` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="review a git range or a mailed series for migration breakage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_report_arguments(p)
    p.add_argument("--repo", default=".", metavar="PATH", help="git repository (default: .)")
    p.add_argument(
        "--base",
        metavar="REV",
        help="apply FILE... (mbox or git format-patch files) onto REV and review them",
    )
    p.add_argument("targets", nargs="*", metavar="RANGE|FILE", help="BASE..HEAD, or FILE...")
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="whole-tree index cache (default: $XDG_CACHE_HOME/migcheck or ~/.cache/migcheck)",
    )
    p.add_argument(
        "--no-index",
        action="store_true",
        help="do not build the whole-tree index: look at the changed files only",
    )
    _add_artifact_arguments(p)
    p.set_defaults(_parser=p)
    return p


def _add_artifact_arguments(p: argparse.ArgumentParser) -> None:
    """--build and its flags from bot.artifacts.cli_args (one definition for every command),
    plus the old --base-binary/--head-binary spellings as hidden aliases."""
    add_artifact_arguments(p)
    p.add_argument("--base-binary", dest="src_binary", help=argparse.SUPPRESS)
    p.add_argument("--head-binary", dest="dst_binary", help=argparse.SUPPRESS)


def _parse_targets(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """(range, files) from the positional arguments and --base; InputError on misuse."""
    targets: list[str] = list(args.targets)
    if args.base is not None:
        if not targets:
            raise InputError("--base needs patch files (FILE...)", hint=_USAGE_HINT)
        ranges = [t for t in targets if ".." in t and not Path(t).exists()]
        if ranges:
            raise InputError(
                "a range and --base cannot be combined", input_name=ranges[0], hint=_USAGE_HINT
            )
        return None, targets
    if not targets:
        raise InputError("nothing to check", hint=_USAGE_HINT)
    if all(Path(t).is_file() for t in targets):
        raise InputError(
            "patch files need --base REV (the revision to apply them onto)",
            input_name=targets[0],
            hint="e.g. `migcheck check --repo PATH --base origin/master "
            + " ".join(targets[:2])
            + "`",
        )
    if len(targets) > 1 or ".." not in targets[0]:
        raise InputError(
            "expected one range BASE..HEAD", input_name=" ".join(targets), hint=_USAGE_HINT
        )
    return targets[0], []


@contextmanager
def open_series(
    repo: str, spec: str | None, base: str | None, files: Sequence[str]
) -> Iterator[Series]:
    """The Series of a range or of mailed patches (applied onto base, see bot.workspace)."""
    if spec is not None:
        from bot.sources.gitrange import series_from_range

        yield series_from_range(repo, spec)
        return
    from bot.sources.patches import applied_series

    assert base is not None
    with applied_series(repo, base, files) as series:
        yield series


def cache_dir_of(args: argparse.Namespace) -> Path | None:
    """The index cache directory, or None with --no-index."""
    if args.no_index:
        return None
    if args.cache_dir is not None:
        path: Path = args.cache_dir
        return path
    from bot.review import default_cache_dir

    return default_cache_dir()


def review_options(args: argparse.Namespace) -> ReviewOptions:
    """ReviewOptions from the parsed flags (artifacts only with --build)."""
    from bot.review import ReviewOptions

    artifacts = options_from_args(args, progress=False) if args.build else None
    return ReviewOptions(repo=args.repo, cache_dir=cache_dir_of(args), artifacts=artifacts)


def run(args: argparse.Namespace) -> int:
    """Review, print, and return the exit code."""
    spec, files = _parse_targets(args)
    from bot.review import review

    options = review_options(args)
    with open_series(args.repo, spec, args.base, files) as series:
        report = review(series, options, progress=ProgressPrinter() if args.build else None)
    if report.stats.touched_devices:
        print(
            "migcheck: device types the series touches, added to the real migration: "
            + ", ".join(report.stats.touched_devices),
            file=sys.stderr,
            flush=True,
        )
    emit(report, args.format, args.output)
    return exit_code(report, args.fail_on)
