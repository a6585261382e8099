"""Report output shared by the commands that print one (`check`, `demo`): --format,
--fail-on and --output, the renderer of each format, and the exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from bot.errors import InputError
from bot.report import Report

FORMATS = ("text", "json", "sarif", "codequality")
FAIL_ON = ("error", "warning", "never")


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
    return 1 if report.reaching(fail_on) else 0


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
