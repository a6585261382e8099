"""`/check-migration [--build]` in list replies: the command line, who may send it (config
list or the tree's MAINTAINERS M:/R: lines) and which series it is about."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pygit2

from bot.mail.assemble import MailSeries
from bot.mail.config import MailSettings
from bot.sources.mail import MailMessage, address_of

_CMD = re.compile(r"^[ \t]*/check-migration(?P<args>(?:[ \t]+--?[\w-]+)*)[ \t]*$", re.MULTILINE)
_MAINT = re.compile(r"^[MR]:\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed /check-migration line."""

    build: bool
    unknown: tuple[str, ...] = ()


def find_command(body: str) -> Command | None:
    """The /check-migration line of a reply (quoted `>` lines do not count)."""
    text = "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith(">"))
    m = _CMD.search(text)
    if not m:
        return None
    args = m.group("args").split()
    return Command(build="--build" in args, unknown=tuple(a for a in args if a != "--build"))


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


def command_target(c: MailMessage, series: Sequence[MailSeries]) -> MailSeries | None:
    """The series a command message replies to (In-Reply-To, else References)."""
    for s in series:
        ids = s.msgids() | {s.key}
        if c.in_reply_to in ids or (c.in_reply_to == "" and set(c.references) & ids):
            return s
    return None
