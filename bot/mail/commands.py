"""`/check-migration [--build] [--machines M1,M2]` in list replies: the command line (its
arguments parsed as on GitLab, bot.command_args), who may send it (config list or the tree's
MAINTAINERS M:/R: lines) and which series it is about.

A command line is `/check-migration` at the start of an unquoted line, alone or followed by
arguments; the bot's own texts never put the name at the start of a line."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pygit2

from bot.command_args import BadArguments, parse_args, usage
from bot.mail.assemble import MailSeries
from bot.mail.config import MailSettings
from bot.sources.mail import MailMessage, address_of

_CMD = re.compile(r"^[ \t]*/check-migration(?:[ \t]+(?P<args>.*?))?[ \t]*$", re.MULTILINE)
_MAINT = re.compile(r"^[MR]:\s*(.+)$", re.MULTILINE)
USAGE = usage()


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed /check-migration line; `error` says why its arguments cannot run."""

    build: bool = False
    machines: tuple[str, ...] = ()
    error: str = ""


def find_command(body: str) -> Command | None:
    """The /check-migration line of a reply (quoted `>` lines do not count)."""
    text = "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith(">"))
    m = _CMD.search(text)
    if not m:
        return None
    try:
        args = parse_args(m.group("args") or "")
    except BadArguments as exc:
        return Command(error=exc.text())
    return Command(build=args.build, machines=args.machines)


def parse_maintainers(text: str) -> set[str]:
    """Addresses on M: and R: lines of a MAINTAINERS file (lower case)."""
    return {a for a in (address_of(v) for v in _MAINT.findall(text)) if a}


def maintainers_from_repo(repo_path: str, rev: str) -> set[str]:
    """M:/R: addresses of `rev:MAINTAINERS` (empty when the file or revision is missing)."""
    try:
        repo = pygit2.Repository(repo_path)
        tree = repo.revparse_single(rev).peel(pygit2.Commit).tree
        blob = repo[tree["MAINTAINERS"].id].peel(pygit2.Blob)
    except (KeyError, ValueError, pygit2.GitError):
        return set()
    return parse_maintainers(blob.data.decode("utf-8", errors="replace"))


@dataclass(slots=True)
class Senders:
    """Who may send commands: mail.allowed_senders, plus the MAINTAINERS M:/R: addresses of
    the target branch when mail.use_maintainers (read once, on the first command)."""

    settings: MailSettings
    _maintainers: set[str] | None = field(default=None, repr=False)

    def allowed(self, sender: str) -> bool:
        """Whether `sender` (a bare address) may run /check-migration."""
        if sender in {address_of(a) for a in self.settings.allowed_senders}:
            return True
        if self.settings.use_maintainers and self.settings.repo:
            if self._maintainers is None:
                self._maintainers = maintainers_from_repo(
                    self.settings.repo, self.settings.target_branch
                )
            return sender in self._maintainers
        return False


def command_target(
    c: MailMessage, series: Sequence[MailSeries], replied: Callable[[str], str] = lambda _: ""
) -> MailSeries | None:
    """The series a command replies to: its nearest ancestor (In-Reply-To, then References
    from the newest) that is a message of a series, a series' key, or one of the bot's
    replies about a series (`replied`: reply Message-ID -> series key, '' when not ours)."""
    by_id: dict[str, MailSeries] = {}
    for s in series:
        for mid in (s.key, *s.msgids()):
            by_id.setdefault(mid, s)
    for anc in c.parents:
        found = by_id.get(anc) or by_id.get(replied(anc))
        if found is not None:
            return found
    return None
