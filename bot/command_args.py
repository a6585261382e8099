"""`/check-migration` arguments, the same for every front end that takes commands (GitLab
notes, list mails): `--build`, `--machines M1,M2` (or `--machines=M1,M2`, repeatable).

Errors are plain text (BadArguments); each front end formats them for its medium. Machine
names are checked against MACHINE_RE: a machine type name, never a path.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

MACHINE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MAX_MACHINES = 8
OPTIONS = ("--build", "--machines")


@dataclass(frozen=True, slots=True)
class CommandArgs:
    """Parsed `/check-migration` arguments."""

    build: bool = False
    machines: tuple[str, ...] = ()


class BadArguments(ValueError):
    """Arguments that cannot run: `problem` says why, with `{}` where the offending
    argument `word` goes (see text())."""

    def __init__(self, problem: str, word: str = "") -> None:
        self.problem = problem
        self.word = word[:80]
        super().__init__(self.text())

    def text(self, quote: Callable[[str], str] = str) -> str:
        """The problem as a sentence, the offending argument formatted by `quote`."""
        return self.problem.replace("{}", quote(self.word))


def usage(name: str = "check-migration") -> str:
    """The one-line syntax of the command."""
    return f"/{name} [--build] [--machines M1,M2,...]"


def parse_args(text: str) -> CommandArgs:
    """Parse the arguments after the command name; BadArguments names what is wrong.

    `--machines` implies `--build` (machine types only matter to the artifact layer).
    """
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise BadArguments(f"cannot read the arguments ({exc})") from exc
    build = False
    machines: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--build":
            build = True
        elif w == "--machines" or w.startswith("--machines="):
            if "=" in w:
                val = w.split("=", 1)[1]
            else:
                i += 1
                if i >= len(words):
                    raise BadArguments("{} needs a value", w)
                val = words[i]
            machines += [m for m in val.split(",") if m]
        else:
            raise BadArguments("unknown argument {}", w)
        i += 1
    bad = [m for m in machines if not MACHINE_RE.match(m)]
    if bad:
        raise BadArguments("{} is not a machine type name (letters, digits and ._+-, "
                           "e.g. pc-q35-10.1)", bad[0])  # fmt: skip
    if len(machines) > MAX_MACHINES:
        raise BadArguments(f"at most {MAX_MACHINES} machine types per check")
    return CommandArgs(build=build or bool(machines), machines=tuple(dict.fromkeys(machines)))
