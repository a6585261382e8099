"""`migcheck patch-check`: the author's own check of one patch e-mail before sending it.

    migcheck patch-check [FILE [SMTP-HEADERS]] [--repo PATH] [--base REV]

Reads one patch e-mail from FILE (git's sendemail-validate hook passes its path; git 2.41+
adds a file of SMTP headers, ignored) or from standard input (b4's per-patch check command,
`b4 prep --check`), applies it onto the commit it was made on (found from the blob ids of
its `index` lines in the history of HEAD of the repository in the current directory, or
--base REV), reviews it, and prints one line per finding the way checkpatch.pl --terse
--showfile does, which is what b4 parses:

    hw/misc/foo.c:9: ERROR: MIG003 [vmstate-field-removed] field removed ... (hint: ...)

ERROR, WARNING and (with --notes) CHECK for notes. Nothing is printed when nothing is
found. A cover letter (no diff) passes silently. Exit 0: nothing at or above --fail-on;
1: findings at or above it (git send-email then refuses to send); 2: bad input (not a
patch, does not apply), with the reason on standard error.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.NOTE: "CHECK"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `patch-check` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "patch-check",
        help="check one patch e-mail before sending (b4 prep --check, sendemail-validate)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="patch e-mail (default: stdin)")
    p.add_argument("smtp_headers", nargs="?", metavar="SMTP-HEADERS", help=argparse.SUPPRESS)
    p.add_argument("--repo", default=".", metavar="PATH", help="git repository (default: .)")
    p.add_argument("--base", metavar="REV", help="apply onto REV instead of searching")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="whole-tree index cache")
    p.add_argument("--no-index", action="store_true",
                   help="look at the changed files only (fast; no whole-tree index)")  # fmt: skip
    p.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                   help="exit 1 on a finding of at least this severity (default: error)")
    p.add_argument("--notes", action="store_true", help="also print notes (as CHECK lines)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say on stderr which base was used and how the patch applied")
    p.set_defaults(_parser=p)
    return p


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def finding_line(f: Finding) -> str:
    """One checkpatch-style line: `path:line: LEVEL: RULE [name] message (hint: ...)`."""
    level = _LEVEL[f.severity]
    text = f"{f.rule} [{f.name}] {_one_line(f.message)}"
    if f.side == "old":
        text += " (line of the old file)"
    if f.fix_hint:
        text += f" (hint: {_one_line(f.fix_hint)})"
    if f.severity is not Severity.ERROR:
        text = text.replace("ERROR:", "error:")  # b4 counts any line with "ERROR:" as failed
    return f"{f.path}:{f.line}: {level}: {text}"


def _read(args: argparse.Namespace) -> tuple[bytes, str]:
    if args.file in (None, "-"):
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(args.file).read_bytes(), args.file
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", input_name=args.file,
                         hint="pass the patch file git or b4 gives") from exc  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Check the patch, print findings, return the exit code."""
    from bot.bounded import AnalysisLimits
    from bot.commands.output import exit_code
    from bot.review import ReviewOptions, default_cache_dir, review
    from bot.sources.diffparse import CorruptPatch, Unsupported, parse_patch
    from bot.sources.gitrange import open_repo, resolve_commit
    from bot.sources.mail import mail_patches_in
    from bot.sources.mailinfo import mail_info
    from bot.sources.patchbase import PatchBase, find_base
    from bot.sources.patches import series_from_mails

    data, name = _read(args)
    if not data.strip():
        raise InputError("empty input", input_name=name, hint="pass one patch e-mail")
    skipped: list[str] = []
    mails = mail_patches_in(data, name, skipped)
    if not mails:
        return 0  # a cover letter or a reply: nothing to check
    if len(mails) > 1:
        raise InputError(f"{len(mails)} patches in one input", input_name=name,
                         hint="give one patch per call (b4 and git do)")  # fmt: skip
    repo = open_repo(args.repo)
    if args.base:
        base = PatchBase(str(resolve_commit(repo, args.base).id), "--base")
    else:
        try:
            patches = parse_patch(mail_info(mails[0].raw, mboxrd=mails[0].mboxrd).patch)
        except (Unsupported, CorruptPatch):
            patches = ()
        head = resolve_commit(repo, "HEAD")
        base = find_base(repo, head, patches) if patches else PatchBase(str(head.id), "HEAD")
    series = series_from_mails(repo.path, base.commit, mails, "(patch)")
    cache = None if args.no_index else (args.cache_dir or default_cache_dir())
    report = review(series, ReviewOptions(repo=str(Path(repo.workdir or repo.path)),
                                          cache_dir=cache, limits=AnalysisLimits()))  # fmt: skip
    shown = [f for f in report.findings if args.notes or f.severity is not Severity.NOTE]
    for f in shown:
        print(finding_line(f))
    sys.stdout.flush()
    if args.verbose:  # not by default: b4 reports every line on stderr as a failure
        print(f"migcheck: applied {series.applied_with} onto {base.commit[:12]} ({base.how}); "
              f"{len(report.findings)} finding(s)", file=sys.stderr)  # fmt: skip
    return exit_code(report, args.fail_on)
