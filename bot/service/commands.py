"""`/check-migration` in a GitLab note: where a command counts, and its arguments.

A command is a line of its own, `/NAME args` or `@bot NAME args`, in the part of the note
GitLab renders as prose: lines inside fenced code blocks (``` or ~~~), GitLab's multi-line
quotes (`>>>`), quoted lines (`> ...`), indented code (4 spaces or a tab) and HTML comments
do not count — quoting someone's command, or showing how to use it, must not run it.
Machine names are checked against `MACHINE_RE` (a machine type name, never a path).
"""

from __future__ import annotations

import re

from bot.command_args import MACHINE_RE, MAX_MACHINES, BadArguments, CommandArgs, parse_args, usage
from bot.reporters import gitlab_md

__all__ = ["MACHINE_RE", "MAX_MACHINES", "CommandArgs", "Refused", "find_command",
           "parse_command_args", "prose_lines"]  # fmt: skip
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class Refused(Exception):
    """A command the user may not run, or with bad arguments; the text is the reply."""


def prose_lines(text: str) -> list[str]:
    """The note's lines that GitLab renders as prose (see the module docstring)."""
    text = re.sub(r"<!--.*?(?:-->|\Z)", "", text, flags=re.S)
    out: list[str] = []
    fence = ""  # the open fence's characters, when inside a fenced block
    gl_quote = False
    for line in text.split("\n"):
        if fence:
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not line.strip().lstrip(fence[0]):
                fence = ""
            continue
        if re.fullmatch(r" {0,3}>{3,}[ \t]*", line):  # GitLab's multi-line quote fence
            gl_quote = not gl_quote
            continue
        if gl_quote:
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            continue
        if re.match(r"^ {0,3}>", line) or line.startswith(("    ", "\t")):
            continue
        out.append(line)
    return out


def find_command(text: str, name: str, bot_username: str = "") -> str | None:
    """The arguments of the first command line in the note's prose, or None."""
    n = re.escape(name)
    who = re.escape(bot_username) if bot_username else r"[\w.\-]+"
    pattern = re.compile(rf"^ {{0,3}}(?:/{n}|@{who}[ \t]+{n})(?:[ \t]+(.*?))?[ \t]*$")
    for line in prose_lines(text):
        m = pattern.match(line)
        if m:
            return (m.group(1) or "").strip()
    return None


def parse_command_args(text: str, name: str = "check-migration") -> CommandArgs:
    """`--build`, `--machines a,b` (bot.command_args); Refused with usage otherwise."""
    try:
        return parse_args(text)
    except BadArguments as exc:
        raise Refused(f"{exc.text(gitlab_md.code)}. usage: {gitlab_md.code(usage(name))}") from exc
