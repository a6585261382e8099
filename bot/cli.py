"""`migcheck` command line: argparse subcommands; maps BotError to exit 2 without traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from bot import __version__
from bot.errors import BotError

# (subcommand, module under bot.commands). Each module has register(subparsers) -> parser
# and run(args) -> int. Add a line here for a new subcommand.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("check", "check"),
    ("rules", "rules_cmd"),
    ("model", "model_cmd"),
    ("dumps", "dumps_cmd"),
    ("demo", "demo"),
    ("serve", "serve"),
    ("worker", "worker"),
    ("ci", "ci_cmd"),
    ("config", "config_cmd"),
    ("mail", "mail_cmd"),
    ("patch-check", "patch_check"),
)


DESCRIPTION = """\
Review QEMU patch series for live-migration breakage before they are merged.

migcheck reads a series (a git range, `git format-patch` files or an mbox), compares the
migration state it changes on both sides (VMStateDescriptions, their fields, versions and
subsections, device properties and their compat entries, vmstate registrations and object
creation), and says what breaks migration from or to older QEMU and what to add instead.
With --build it also builds base and head, compares their -dump-vmstate output and
migrates for real both ways (and, with --against, to and from a released QEMU).
"""

EPILOG = """\
examples:
  migcheck check --repo ~/qemu origin/master..my-series
  migcheck check --repo ~/qemu --base origin/master v2-*.patch
  migcheck check --repo ~/qemu A..B --build --against /usr/bin/qemu-system-x86_64
  migcheck rules MIG002
  migcheck demo

Exit status: 0 no finding at or above --fail-on, 1 findings, 2 bad input.
Documentation: README.md, docs/ and `migcheck rules ID` for each rule.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a hint (its default) but never prints a traceback."""


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The top-level parser with every subcommand registered (`only`: just that one, so a
    command does not pay for importing the others: start-up is part of every run's cost)."""
    parser = _Parser(prog="migcheck", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"migcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for name, modname in COMMANDS:
        if only is not None and name != only:
            continue
        mod = importlib.import_module(f"bot.commands.{modname}")
        mod.register(sub)
        modules[name] = mod
    return parser, modules


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` starts with, when it names one (else None: all are needed,
    for the top-level help, --version or a usage error that lists them)."""
    names = {name for name, _ in COMMANDS}
    return argv[0] if argv and argv[0] in names else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args_list = list(argv) if argv is not None else sys.argv[1:]
    command = _command_of(args_list)
    try:
        if command == "check" and not {"-h", "--help"} & set(args_list):
            _prestart_analysis()
        return _run(parser_args=args_list, command=command, argv=argv)
    finally:
        if "bot.bounded" in sys.modules:
            sys.modules["bot.bounded"].discard_prestarted()


def _prestart_analysis() -> None:
    """Start `check`'s analysis child (default limits, as check uses) now, so that it
    starts while this process imports the command and reads the series. A child that
    cannot start now is started (and its error reported) by the review itself."""
    from bot.bounded import AnalysisLimits, prestart

    try:
        prestart(AnalysisLimits())
    except Exception:  # the review starts one and reports why it cannot
        return


def _run(parser_args: list[str], command: str | None, argv: Sequence[str] | None) -> int:
    parser, modules = build_parser(command)
    args = parser.parse_args(parser_args)
    # This process is the command (not a call from Python): its start-up (the interpreter,
    # imports) is part of what a run costs (check's summary line).
    args.whole_process = argv is None
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        rc: int = modules[args.command].run(args)
        return rc
    except BotError as err:
        print(f"migcheck: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("migcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
