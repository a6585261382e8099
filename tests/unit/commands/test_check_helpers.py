"""Pure helpers of `migcheck check`: exit codes and the artifact flags."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reporters"))

from reportfix import finding, report

from bot.commands.output import exit_code
from bot.findings import Severity


def test_exit_code_thresholds() -> None:
    note = report(finding(severity=Severity.NOTE))
    warn = report(finding(severity=Severity.WARNING))
    err = report(finding(severity=Severity.ERROR))
    assert [exit_code(r, "error") for r in (note, warn, err)] == [0, 0, 1]
    assert [exit_code(r, "warning") for r in (note, warn, err)] == [0, 1, 1]
    assert [exit_code(r, "never") for r in (note, warn, err)] == [0, 0, 0]
    assert exit_code(report(), "warning") == 0


def test_check_exposes_the_artifact_flags() -> None:
    from bot.artifacts.cli_args import options_from_args
    from bot.cli import build_parser

    parser, _ = build_parser()
    args = parser.parse_args([
        "check", "--build", "--target", "x86_64", "--machines", "pc-i440fx-7.2,pc-q35-7.2",
        "--checker", "upstream", "--no-sandbox", "--src-binary", "/a", "--dst-binary", "/b",
        "--devices", "e1000;i6300esb", "--no-migrate", "--subprojects", "/s",
        "--run-timeout", "7", "base..head",
    ])  # fmt: skip
    o = options_from_args(args, progress=False)
    assert args.build and o.machines == ("pc-i440fx-7.2", "pc-q35-7.2")
    assert (o.checker, o.sandbox, o.src_binary, o.dst_binary) == ("upstream", False, "/a", "/b")
    assert o.devices == ("e1000", "i6300esb") and not o.migrate and o.subprojects == "/s"
    assert o.limits.run_seconds == 7
    old = parser.parse_args(["check", "--base-binary", "/x", "--head-binary", "/y", "a..b"])
    assert (old.src_binary, old.dst_binary, old.build) == ("/x", "/y", False)
