"""`migcheck dumps compare OLD.json NEW.json`: the dump comparator on its own.

A drop-in successor to scripts/vmstate-static-checker.py: both directions in one run, exit 0
when compatible both ways, 1 when not, 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from bot.artifacts.compare import compare_dumps, is_compatible, load_dump
from bot.artifacts.kinds import extra_get
from bot.errors import BotError
from bot.findings import Finding
from bot.report import Report, Stats
from bot.series import Series


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add `dumps` with its `compare` action."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "dumps", help="compare two -dump-vmstate JSON files",
        description="Compare two QEMU -dump-vmstate files in both directions.")
    sub = p.add_subparsers(dest="dumps_action", metavar="ACTION")
    c = sub.add_parser("compare", help="compare OLD.json (source side) with NEW.json")
    c.add_argument("old", metavar="OLD.json", help="dump of the old (base) QEMU")
    c.add_argument("new", metavar="NEW.json", help="dump of the new (head) QEMU")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--checker", choices=("builtin", "upstream", "both"), default="builtin",
                   help="also run a vmstate-static-checker.py (needs --upstream-script)")
    c.add_argument("--upstream-script", metavar="PATH", default=None,
                   help="path of scripts/vmstate-static-checker.py for --checker upstream|both")
    c.add_argument("--no-sandbox", action="store_true",
                   help="run the upstream script without bubblewrap")
    return p


def render_text(findings: Sequence[Finding]) -> str:
    """One block per finding, worst first, then a verdict line."""
    lines = []
    for f in findings:
        lines.append(f"{f.severity.value}: [{f.rule} {f.name}] {f.entity} "
                     f"(breaks: {extra_get(f, 'direction')}; checker: {extra_get(f, 'checker')})")
        lines.append(f"  {f.message}")
    n_bad = sum(1 for f in findings if f.severity.value != "note")
    verdict = ("compatible in both directions" if is_compatible(findings)
               else f"NOT compatible: {n_bad} problem(s)")
    notes = len(findings) - n_bad
    lines.append(f"{verdict}" + (f" ({notes} note(s))" if notes else ""))
    return "\n".join(lines) + "\n"


def compare_files(old: str, new: str, checker: str = "builtin",
                  upstream_script: str | None = None,
                  sandbox: bool = True) -> tuple[Finding, ...]:
    """Load both dumps and compare them with the chosen checker(s)."""
    od, nd = load_dump(old), load_dump(new)
    if checker == "builtin":
        return compare_dumps(od, nd)
    from bot.artifacts.upstream import check_with_upstream

    if upstream_script is None:
        raise BotError("--checker upstream|both needs --upstream-script",
                       hint="pass the path of QEMU's scripts/vmstate-static-checker.py")
    from bot.artifacts.sandbox import probe

    return check_with_upstream(upstream_script, old, new, checker=checker,
                               sandbox=probe(sandbox))


def run(args: argparse.Namespace) -> int:
    """Run `dumps compare`; 0 compatible both ways, 1 not, 2 bad input (via BotError)."""
    if args.dumps_action != "compare":
        print("migcheck dumps: expected an action: compare OLD.json NEW.json", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    findings = compare_files(args.old, args.new, args.checker, args.upstream_script,
                             sandbox=not args.no_sandbox)
    if args.format == "json":
        report = Report(series=Series(base=args.old, head=args.new, patches=(), folded=()),
                        findings=findings, stats=Stats(seconds=time.monotonic() - t0))
        # Finding.to_json carries `extra` (direction, checker, section, vmsd).
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(findings))
    return 0 if is_compatible(findings) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (`python -m bot.commands.dumps_cmd compare A B`), same exit codes."""
    parser = argparse.ArgumentParser(prog="migcheck")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dumps", *(list(argv) if argv is not None else sys.argv[1:])])
    try:
        return run(args)
    except BotError as err:
        print(f"migcheck: error: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
