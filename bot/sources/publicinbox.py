"""Read a public-inbox v2 archive with pygit2, and fetch a thread from a public-inbox server.

v2 layout (public-inbox-v2-format(5)): `<inbox>/git/<N>.git` epoch repositories, each
commit holding one message in blob `m` (a removal commit holds `d` instead). A cursor per
epoch (the last commit read) lets a poller resume without skipping or repeating.
"""

from __future__ import annotations

import gzip
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pygit2

from bot.errors import InputError
from bot.sources.mail import MailMessage, split_mbox

_EPOCH = re.compile(r"^(\d+)\.git$")
USER_AGENT = "migcheck-mail/1 (+https://migcheck.readthedocs.io)"


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One commit of an epoch: the message bytes, or None for a removal commit."""

    epoch: int
    commit: str
    raw: bytes | None


def epochs(inbox: str | Path) -> list[tuple[int, Path]]:
    """(N, path) of every `git/N.git` epoch of a v2 inbox, oldest first."""
    root = Path(inbox) / "git"
    if not root.is_dir():
        raise InputError(
            "not a public-inbox v2 archive (no git/ directory)",
            input_name=str(inbox),
            hint="pass the inbox directory that holds git/0.git, git/1.git, ...",
        )
    found = []
    for p in root.iterdir():
        m = _EPOCH.match(p.name)
        if m and p.is_dir():
            found.append((int(m.group(1)), p))
    return sorted(found)


def _tip(repo: pygit2.Repository) -> pygit2.Oid | None:
    for name in ("refs/heads/master", "refs/heads/main", "HEAD"):
        try:
            ref = repo.references.get(name) if name != "HEAD" else repo.head
        except (pygit2.GitError, KeyError):
            ref = None
        if ref is not None:
            target = ref.resolve().target
            return target if isinstance(target, pygit2.Oid) else None
    return None


def iter_new(inbox: str | Path, cursors: Mapping[int, str]) -> Iterator[InboxItem]:
    """Every commit after the per-epoch cursor, oldest epoch and oldest commit first."""
    for n, path in epochs(inbox):
        repo = pygit2.Repository(str(path))
        tip = _tip(repo)
        if tip is None:
            continue
        last = cursors.get(n)
        if last and str(tip) == last:
            continue
        walker = repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
        if last:
            try:
                walker.hide(pygit2.Oid(hex=last))
            except (KeyError, ValueError, pygit2.GitError):
                pass  # cursor commit vanished (epoch rewritten): read it all again
        for commit in walker:
            tree = commit.tree
            raw: bytes | None = None
            if "m" in tree:
                raw = repo[tree["m"].id].peel(pygit2.Blob).data
            yield InboxItem(n, str(commit.id), raw)


def thread_url(base_url: str, msgid: str) -> str:
    """`<base>/<msgid>/t.mbox.gz` with the Message-ID escaped as public-inbox does."""
    mid = msgid.strip().strip("<>")
    return (
        base_url.rstrip("/")
        + "/"
        + urllib.parse.quote(mid, safe="@!$&'()*+,;=:~-._")
        + ("/t.mbox.gz")
    )


def fetch_thread(base_url: str, msgid: str, *, timeout: float = 30.0) -> list[MailMessage]:
    """The whole thread of `msgid` from a public-inbox server (gzip mboxrd), parsed."""
    import requests

    url = thread_url(base_url, msgid)
    try:
        resp = requests.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except requests.RequestException as exc:
        raise InputError(f"cannot fetch the thread: {exc}", input_name=url,
                         hint="check the URL and the network; retry later") from exc  # fmt: skip
    if resp.status_code == 404:
        raise InputError("no such message on the server (HTTP 404)", input_name=url,
                         hint="check the Message-ID and the inbox URL")  # fmt: skip
    if resp.status_code != 200:
        raise InputError(f"HTTP {resp.status_code} from the server", input_name=url,
                         hint="502/503 usually pass: retry later")  # fmt: skip
    data = resp.content
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError("broken gzip data", input_name=url) from exc
    if not data.strip():
        raise InputError("empty thread", input_name=url)
    return split_mbox(data)
