"""`migcheck check`: review a git range or a mailed series and print a report.

    migcheck check --repo PATH BASE..HEAD
    migcheck check --repo PATH --base REV FILE...

Exit 0: nothing at or above --fail-on; 1: findings at or above it; 2: bad input or usage.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.engine.spec import TreeView
from bot.errors import ArtifactError, InputError
from bot.findings import Finding, Severity
from bot.report import Report
from bot.series import Series

FORMATS = ("text", "json", "sarif", "codequality")
FAIL_ON = ("error", "warning", "never")
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
    try:
        from bot.artifacts.cli_args import add_artifact_arguments
    except ModuleNotFoundError as exc:  # the artifact layer is optional
        if exc.name is None or not exc.name.startswith("bot.artifacts"):
            raise
        p.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
        return
    add_artifact_arguments(p)
    p.add_argument("--base-binary", dest="src_binary", help=argparse.SUPPRESS)
    p.add_argument("--head-binary", dest="dst_binary", help=argparse.SUPPRESS)


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    """--format, --fail-on and --output (shared with `migcheck demo`)."""
    p.add_argument("--format", choices=FORMATS, default="text", help="report format")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding has at least this severity (default: error)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")


def renderer(fmt: str) -> Callable[[Report], str]:
    """The render() function of a report format."""
    module = {"text": "text", "json": "json_out", "sarif": "sarif", "codequality": "codequality"}
    mod = importlib.import_module(f"bot.reporters.{module[fmt]}")
    render: Callable[[Report], str] = mod.render
    return render


def exit_code(report: Report, fail_on: str) -> int:
    """0 when no finding reaches `fail_on`, else 1."""
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in report.findings) else 0


def emit(report: Report, fmt: str, output: str | None) -> None:
    """Render the report to stdout or to --output (then a summary line on stderr)."""
    text = renderer(fmt)(report)
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the report: {exc.strerror or exc}",
            input_name=output,
            hint="pass --output FILE in a writable directory",
        ) from exc
    from bot.reporters.text import summary_line

    print(f"migcheck: wrote {fmt} report to {output}: {summary_line(report)}", file=sys.stderr)


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
    """The Series of a range or of mailed patches (applied in a scratch worktree)."""
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


def run_artifact_layer(
    repo: str,
    series: Series,
    args: argparse.Namespace,
    old_tree: TreeView | None = None,
    new_tree: TreeView | None = None,
) -> tuple[Finding, ...]:
    """Findings of the artifact layer (issue 3) for base..head; exit 2 when it is missing.

    The real migration also gets the device types the series touches (source layer), and
    findings are placed through the source model when a tree is available."""
    try:
        from bot.artifacts.cli_args import options_from_args
        from bot.artifacts.pipeline import run_artifacts
    except ModuleNotFoundError as exc:
        if exc.name not in ("bot.artifacts.pipeline", "bot.artifacts.cli_args", "bot.artifacts"):
            raise
        raise ArtifactError(
            "the artifact layer is not available",
            input_name="--build",
            hint="run without --build (source analysis only)",
        ) from exc
    from bot.engine.merge import tree_locator
    from bot.engine.touched import touched_device_types
    from bot.model.tree import TreeIndex

    opts = options_from_args(args)
    touched = touched_device_types(series, old_tree, new_tree) if opts.migrate else ()
    have = {d.split(",", 1)[0] for d in opts.devices}
    devices = (*opts.devices, *(t for t in touched if t not in have))
    if touched:
        print(
            "migcheck: device types the series touches, added to the real migration: "
            + ", ".join(touched),
            file=sys.stderr,
            flush=True,
        )
    locate = opts.locate
    if isinstance(new_tree, TreeIndex):
        locate = tree_locator(new_tree, old_tree if isinstance(old_tree, TreeIndex) else None)
    with contextlib.ExitStack() as stack:
        workdir = opts.workdir
        if workdir is None:
            # Our own scratch dir, so builds, dumps and sockets are removed when the check ends.
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="migcheck-build-"))
        opts = dataclasses.replace(opts, devices=devices, locate=locate, workdir=workdir)
        return tuple(run_artifacts(repo, series.base, series.head, opts))


def merge_findings(
    report: Report,
    extra: Sequence[Finding],
    *,
    old_tree: TreeView | None = None,
    new_tree: TreeView | None = None,
) -> Report:
    """The report with artifact findings folded in (bot.engine.merge): one finding per
    problem, the source finding's anchor kept and every evidence listed."""
    if not extra:
        return report
    from bot.engine.merge import merge_evidence, tree_wire_names

    findings = merge_evidence(report.findings, extra, tree_wire_names(old_tree, new_tree))
    return dataclasses.replace(report, findings=findings)


def run(args: argparse.Namespace) -> int:
    """Review, print, and return the exit code."""
    spec, files = _parse_targets(args)
    from bot.review import review_series_with_trees

    with open_series(args.repo, spec, args.base, files) as series:
        report, old_tree, new_tree = review_series_with_trees(
            series, repo_path=args.repo, cache_dir=cache_dir_of(args)
        )
        if args.build:
            extra = run_artifact_layer(args.repo, series, args, old_tree, new_tree)
            report = merge_findings(report, extra, old_tree=old_tree, new_tree=new_tree)
    emit(report, args.format, args.output)
    return exit_code(report, args.fail_on)
