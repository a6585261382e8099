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


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a hint (its default) but never prints a traceback."""


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The top-level parser with every subcommand registered."""
    parser = _Parser(prog="migcheck", description=__doc__)
    parser.add_argument("--version", action="version", version=f"migcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for name, modname in COMMANDS:
        mod = importlib.import_module(f"bot.commands.{modname}")
        mod.register(sub)
        modules[name] = mod
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser, modules = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
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
