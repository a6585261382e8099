"""`migcheck check`: review a git range or a mailed series and print a report.

    migcheck check --repo PATH BASE..HEAD
    migcheck check --repo PATH --base REV FILE...

A range is every commit of BASE..HEAD, judged as a whole; a merge in it (a pull request)
names the commit inside the merged branch that introduced a finding. Mailed patches are
applied onto REV first. The first run on a tree indexes it (cached; later runs parse only
what changed); progress shows on a terminal (--progress / --quiet). Findings accepted on
purpose (`Migration-compat: accept RULE reason` trailers, --waivers FILE) become notes.

Exit 0: nothing at or above --fail-on; 1: findings at or above it; 2: bad input or usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.artifacts.cli_args import add_artifact_arguments, options_from_args
from bot.commands.output import add_report_arguments, emit, exit_code
from bot.errors import InputError
from bot.series import Series

if TYPE_CHECKING:
    from bot.report import Report
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
    p.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="TOML file of [[waiver]] tables (rule, path, entity, reason): findings accepted "
        "on purpose become notes that say why",
    )
    p.add_argument(
        "--verify-fix",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply each fix draft to the head tree in memory and review again: the finding "
        "must go and nothing new appear (default: on; with --build, asking for it also "
        "rebuilds the drafted head and migrates it both ways)",
    )
    add_progress_arguments(p)
    _add_artifact_arguments(p)
    p.set_defaults(_parser=p)
    return p


def add_progress_arguments(p: argparse.ArgumentParser) -> None:
    """--progress / --quiet (default: progress on a terminal only)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_const", const="always",
                   default="auto",
                   help="show progress (phases, counts, ETA) on stderr even when it is not "
                   "a terminal (default: only on a terminal)")  # fmt: skip
    g.add_argument("--quiet", "-q", dest="progress", action="store_const", const="never",
                   help="no progress and no notes on stderr (errors still are)")  # fmt: skip


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
    from bot.bounded import AnalysisLimits
    from bot.review import ReviewOptions
    from bot.waivers import load_waivers

    artifacts = options_from_args(args, progress=False) if args.build else None
    waivers = load_waivers(args.waivers) if args.waivers is not None else ()
    verify: bool | None = args.verify_fix
    return ReviewOptions(
        repo=args.repo, cache_dir=cache_dir_of(args), artifacts=artifacts, waivers=waivers,
        verify_fix=verify is not False, verify_fix_build=bool(verify) and args.build,
        limits=AnalysisLimits(),
    )


def with_read_time(report: Report, t0: float, startup: float = 0.0) -> Report:
    """The report with the time before the review counted in — `startup` (the process
    until the command ran) and reading the series (or applying the mails) — so the summary
    line says what the whole command cost."""
    total = time.perf_counter() - t0
    read = max(0.0, total - report.stats.seconds)
    before = (("start", startup),) if startup > 0 else ()
    stats = dataclasses.replace(report.stats, seconds=startup + total,
                                phases=(*before, ("read", read), *report.stats.phases))  # fmt: skip
    return dataclasses.replace(report, stats=stats)


def run(args: argparse.Namespace) -> int:
    """Review, print, and return the exit code."""
    from bot.progress import progress_for, since_process_start

    whole = getattr(args, "whole_process", False)  # bot.cli: this process is the command
    startup = since_process_start() if whole else 0.0
    t0 = time.perf_counter()
    spec, files = _parse_targets(args)
    from bot.review import review

    options = review_options(args)
    shown = progress_for(args.progress)
    from bot.bounded import discard_prestarted, prestart

    try:
        if options.limits is not None:
            # the analysis child starts (interpreter, imports) while the series is read
            # (bot.cli started it already, before importing this module, when it could)
            prestart(options.limits)
        with open_series(args.repo, spec, args.base, files) as series:
            report = review(series, options, progress=shown)
    finally:
        discard_prestarted()
        if shown is not None:
            shown.close()
    report = with_read_time(report, t0, startup)
    if report.stats.touched_devices and args.progress != "never":
        print(
            "migcheck: device types the series touches, added to the real migration: "
            + ", ".join(report.stats.touched_devices),
            file=sys.stderr,
            flush=True,
        )
    emit(report, args.format, args.output)
    return exit_code(report, args.fail_on)
