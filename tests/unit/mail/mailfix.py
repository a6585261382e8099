"""Test helpers for the mail bot: the sample QEMU-like repo, patch mails with threading
headers written from examples/sample-series, mboxes, and public-inbox v2 archives built
with pygit2 in the real layout (git/<N>.git, one commit per message, blob `m`)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from pathlib import Path

import pygit2
from pygit2.enums import FileMode

from bot.sample import build_sample_repo, examples_dir

DATE0 = 1_767_690_000  # 2026-01-06 09:00 UTC, after the sample base commit
LIST = "qemu-devel@nongnu.org"
AUTHOR = "Ada Example <ada@example.org>"


def sample_repo(tmp: Path) -> tuple[str, str]:
    """(path, base commit) of the sample QEMU-like repository."""
    dest = tmp / "qemu"
    base = build_sample_repo(examples_dir() / "sample-base", dest)
    return str(dest), base


def sample_bodies() -> list[tuple[str, str]]:
    """(subject title, body with diff) of the three sample patches, from sample-series."""
    out = []
    for p in sorted((examples_dir() / "sample-series").glob("000[1-9]*.patch")):
        text = p.read_text()
        head, body = text.split("\n\n", 1)
        subj = re.search(r"^Subject: \[PATCH \d+/\d+\] (.*)$", head, re.M)
        assert subj
        out.append((subj.group(1), body))
    return out


def make_mail(subject: str, body: str | bytes, *, msgid: str, author: str = AUTHOR,
              date: float = DATE0, in_reply_to: str = "", refs: Sequence[str] = (),
              to: str = LIST, cc: str = "", headers: Sequence[str] = (),
              subject_raw: bytes | None = None) -> bytes:  # fmt: skip
    """One RFC 5322 message as bytes."""
    lines = [f"From: {author}", f"To: {to}"]
    if cc:
        lines.append(f"Cc: {cc}")
    h = "\n".join(lines).encode()
    h += b"\nSubject: " + (subject_raw if subject_raw is not None else subject.encode())
    h += f"\nDate: {email.utils.formatdate(date)}\nMessage-ID: <{msgid}>\n".encode()
    if in_reply_to:
        h += f"In-Reply-To: <{in_reply_to}>\n".encode()
    if refs:
        h += ("References: " + " ".join(f"<{r}>" for r in refs) + "\n").encode()
    for extra in headers:
        h += extra.encode() + b"\n"
    if not any(x.lower().startswith("content-type") for x in headers):
        h += b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    b = body.encode() if isinstance(body, str) else body
    return h + b"\n" + b


def series_mails(tag: str, *, prefix: str = "PATCH", cover: bool = True,
                 bodies: Sequence[tuple[str, str]] | None = None, date: float = DATE0,
                 reply_to: str = "", reply_refs: Sequence[str] = (), author: str = AUTHOR,
                 cover_extra: str = "", only: Sequence[int] = (),
                 cc: str = "") -> list[bytes]:  # fmt: skip
    """A git send-email style series: msgids `<tag>.N@example.org`, shallow threading."""
    bodies = list(bodies if bodies is not None else sample_bodies())
    n = len(bodies)
    out: list[bytes] = []
    root_refs = [*reply_refs, reply_to] if reply_to else []
    head = f"{tag}.0@example.org" if cover else f"{tag}.1@example.org"
    if cover:
        out.append(make_mail(f"[{prefix} 0/{n}] sample series", "Cover letter.\n" + cover_extra,
                             msgid=head, date=date, author=author, in_reply_to=reply_to,
                             refs=root_refs, cc=cc))  # fmt: skip
    for i, (title, body) in enumerate(bodies, start=1):
        if only and i not in only:
            continue
        mid = f"{tag}.{i}@example.org"
        subj = f"[{prefix} {i}/{n}] {title}" if n > 1 or cover else f"[{prefix}] {title}"
        is_head = mid == head
        out.append(make_mail(subj, body, msgid=mid, date=date + i, author=author,
                             in_reply_to=reply_to if is_head else head,
                             refs=root_refs if is_head else [*root_refs, head],
                             cc=cc))  # fmt: skip
    return out


def mbox(messages: Sequence[bytes]) -> bytes:
    """An mboxo file of the messages."""
    out = b""
    for m in messages:
        out += b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        body = re.sub(rb"(?m)^(>*From )", rb">\1", m)
        out += body if body.endswith(b"\n") else body + b"\n"
        out += b"\n"
    return out


class Inbox:
    """A public-inbox v2 archive: git/<N>.git bare repos, one commit per message."""

    def __init__(self, root: Path, per_epoch: int = 0) -> None:
        self.root = root
        self.per_epoch = per_epoch
        (root / "git").mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.epoch = 0

    def _repo(self, n: int) -> pygit2.Repository:
        path = self.root / "git" / f"{n}.git"
        if path.exists():
            return pygit2.Repository(str(path))
        return pygit2.init_repository(str(path), bare=True, initial_head="master")

    def add(self, raw: bytes, *, delete: bool = False) -> str:
        """Append one message (or a removal commit) to the newest epoch; returns the commit."""
        if self.per_epoch and self.count and self.count % self.per_epoch == 0:
            self.epoch += 1
        repo = self._repo(self.epoch)
        blob = repo.create_blob(raw)
        tb = repo.TreeBuilder()
        tb.insert("d" if delete else "m", blob, FileMode.BLOB)
        tree = tb.write()
        sig = pygit2.Signature("list", "list@example.org", DATE0 + self.count, 0)
        parents = [] if repo.head_is_unborn else [repo.head.target]
        oid = repo.create_commit("refs/heads/master", sig, sig, "msg\n", tree, parents)
        self.count += 1
        return str(oid)


DOC_PATCH = (
    "docs: describe the foo device",
    """Add a short note.

Signed-off-by: Ada Example <ada@example.org>
---
 docs/foo.txt | 1 +
 1 file changed, 1 insertion(+)

diff --git a/docs/foo.txt b/docs/foo.txt
new file mode 100644
index 0000000..3b18e51
--- /dev/null
+++ b/docs/foo.txt
@@ -0,0 +1 @@
+Foo device notes.
""",
)

CLEAN_PATCH = (
    "hw/misc/foo: reword the header comment",
    """Only a comment.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/hw/misc/foo.c b/hw/misc/foo.c
--- a/hw/misc/foo.c
+++ b/hw/misc/foo.c
@@ -1,5 +1,5 @@
 /*
- * Sample "foo" PCI device for `migcheck demo`.
+ * Sample "foo" PCI device (clean change).
  *
  * SPDX-License-Identifier: GPL-2.0-or-later
  */
""",
)

BROKEN_PATCH = (
    "hw/misc/foo: patch against another tree",
    """Does not apply.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/hw/misc/foo.c b/hw/misc/foo.c
--- a/hw/misc/foo.c
+++ b/hw/misc/foo.c
@@ -1,5 +1,5 @@
 /*
- * Sample "bar" PCI device from somewhere else.
+ * Sample "foo" PCI device.
  *
  * SPDX-License-Identifier: GPL-2.0-or-later
  */
""",
)
