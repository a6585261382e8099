"""Mail bot figures: ingest speed from a generated public-inbox v2 archive, and what the bot
would say on real list traffic (pbo-linaro/qemu-ci branches: one branch per series, named
by the Message-ID of its cover letter or patch; `<msgid>_ci` adds a commit whose subject is
the mail subject, e.g. `[PATCH v3 0/3] ...`, which gives the patch count).

    python bench/mail_ingest.py ingest [--messages 5000]
    python bench/mail_ingest.py traffic --repo /work/.mirror/pbo-linaro+qemu-ci/repo \
        [--series 200] [--cache-dir /tmp/mc-qemu-cache] [--show 3]

Prints figures; never asserts on wall time.
"""

from __future__ import annotations

import argparse
import email.utils
import re
import sys
import tempfile
import time
from pathlib import Path

import pygit2
from pygit2.enums import FileMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.mail import policy as reply_policy
from bot.mail.assemble import MailSeries, assemble
from bot.mail.config import MailSettings
from bot.mail.poller import MailBot
from bot.mail.review import BaseChoice, MailReview, skip_reason
from bot.mail.store import MailStore
from bot.sources.mail import parse_mail

DIFF = """diff --git a/hw/misc/dev{n}.c b/hw/misc/dev{n}.c
index 1111111..2222222 100644
--- a/hw/misc/dev{n}.c
+++ b/hw/misc/dev{n}.c
@@ -10,6 +10,7 @@ static const VMStateDescription vmstate_dev{n} = {{
     .fields = (const VMStateField[]) {{
         VMSTATE_UINT32(ctrl, DevState),
+        VMSTATE_UINT32(extra{n}, DevState),
         VMSTATE_END_OF_LIST()
     }}
 }};
"""


def _msg(subject: str, body: str, msgid: str, irt: str, date: float) -> bytes:
    who = msgid.split(".", 1)[0].lstrip("sr")
    h = (
        f"From: Dev {who} <dev{who}@example.org>\nTo: qemu-devel@nongnu.org\n"
        f"Subject: {subject}\nDate: {email.utils.formatdate(date)}\nMessage-ID: <{msgid}>\n"
    )
    if irt:
        h += f"In-Reply-To: <{irt}>\nReferences: <{irt}>\n"
    return (h + "Content-Type: text/plain; charset=utf-8\n\n" + body).encode()


def generate(root: Path, n: int, per_epoch: int = 2000) -> int:
    """A v2 archive of n messages: 4-patch series with cover letters and review replies."""
    (root / "git").mkdir(parents=True)
    repo = None
    parent: list[pygit2.Oid] = []
    sig = pygit2.Signature("list", "list@example.org", 1_767_600_000, 0)
    k = 0
    s = 0
    while k < n:
        msgs: list[bytes] = []
        cover = f"s{s}.0@example.org"
        msgs.append(_msg(f"[PATCH 0/4] series {s}", "cover\n", cover, "", 1.7e9 + s))
        for i in range(1, 5):
            msgs.append(
                _msg(
                    f"[PATCH {i}/4] hw/misc: change {s}.{i}",
                    "msg\n---\n" + DIFF.format(n=f"{s}_{i}"),
                    f"s{s}.{i}@example.org",
                    cover,
                    1.7e9 + s + i,
                )
            )
        msgs.append(
            _msg(
                f"Re: [PATCH 1/4] hw/misc: change {s}.1",
                "> quoted\nLooks good.\n",
                f"r{s}@example.org",
                f"s{s}.1@example.org",
                1.7e9 + s + 9,
            )
        )
        for raw in msgs:
            if k % per_epoch == 0:
                repo = pygit2.init_repository(
                    str(root / "git" / f"{k // per_epoch}.git"), bare=True
                )
                parent = []
            assert repo is not None
            tb = repo.TreeBuilder()
            tb.insert("m", repo.create_blob(raw), FileMode.BLOB)
            oid = repo.create_commit("refs/heads/master", sig, sig, "m\n", tb.write(), parent)
            parent = [oid]
            k += 1
            if k >= n:
                break
        s += 1
    return k


def bench_ingest(n: int) -> None:
    """Generate, then time ingest (parse + classify + store + cursor) and assembly."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        generate(Path(tmp) / "inbox", n)
        gen = time.perf_counter() - t0
        st = MailStore(Path(tmp) / "mail.sqlite3")
        bot = MailBot(MailSettings(inboxes=(str(Path(tmp) / "inbox"),)), st)
        t0 = time.perf_counter()
        read = bot.ingest_inbox(str(Path(tmp) / "inbox"))
        ing = time.perf_counter() - t0
        t0 = time.perf_counter()
        series = assemble([parse_mail(r) for r in st.messages(0.0, ("patch",))])
        asm = time.perf_counter() - t0
        again = bot.ingest_inbox(str(Path(tmp) / "inbox"))
        print(f"generated {n} messages in {gen:.2f} s")
        print(
            f"ingest: {read} messages in {ing:.2f} s = {read / ing:.0f} messages/s "
            f"({bot.result.ingested} stored as patch/command)"
        )
        print(
            f"assembly: {len(series)} series from the stored messages in {asm:.2f} s "
            f"= {read / asm:.0f} messages/s; complete: "
            f"{sum(1 for s in series if s.complete)}"
        )
        print(f"re-poll after restart: {again} messages read (cursor per epoch)")


_SUBJ = re.compile(r"\[[^\]]*?(\d+)/(\d+)[^\]]*\]")


def _patch_mail(
    repo: pygit2.Repository, c: pygit2.Commit, mid: str, irt: str, counter: str
) -> bytes:
    parent = c.parents[0]
    diff = repo.diff(parent, c, context_lines=3)
    subject = f"[PATCH{counter}] " + c.message.split("\n", 1)[0]
    body = c.message.split("\n", 1)[1] if "\n" in c.message else ""
    text = body.strip() + "\n---\n" + (diff.patch or "")
    author = email.utils.formataddr((c.author.name, c.author.email))
    h = (
        f"From: {author}\nTo: qemu-devel@nongnu.org\nSubject: {subject}\n"
        f"Date: {email.utils.formatdate(c.author.time)}\nMessage-ID: <{mid}>\n"
    )
    if irt:
        h += f"In-Reply-To: <{irt}>\nReferences: <{irt}>\n"
    return (h + "Content-Type: text/plain; charset=utf-8\n\n" + text).encode("utf-8", "replace")


class _Collect:
    def __init__(self) -> None:
        self.raws: list[bytes] = []

    def deliver(self, raw: bytes, sender: str, recipients: tuple[str, ...], msgid: str) -> str:
        self.raws.append(raw)
        return "collected"


def bench_traffic(
    repo_path: str, count: int, cache_dir: Path, show: int, only: tuple[str, ...] = ()
) -> None:
    """Review the newest `count` series branches; count replies; print `show` of them."""
    from email import message_from_bytes, policy

    from bot.review import ReviewOptions, review
    from bot.sources.gitrange import series_between

    repo = pygit2.Repository(repo_path)
    refs = []
    for name in repo.references:
        if not name.startswith("refs/heads/") or name.endswith("_ci") or "@" not in name:
            continue
        c = repo.references[name].peel(pygit2.Commit)
        refs.append((c.commit_time, name))
    refs.sort(reverse=True)
    if only:
        refs = [r for r in refs if r[1][len("refs/heads/") :] in only]
    settings = MailSettings(repo=repo_path, wait_complete=0.0, rate_limit_per_hour=0)
    stats = {"reviewed": 0, "skipped": 0, "reply": 0, "error": 0, "findings": 0}
    rules: dict[str, int] = {}
    shown: list[tuple[str, list[bytes]]] = []
    t0 = time.perf_counter()
    for _, name in refs[:count]:
        msgid = name[len("refs/heads/") :]
        head = repo.references[name].peel(pygit2.Commit)
        total = 0
        ci = repo.references.get(name + "_ci")
        if ci is not None:
            m = _SUBJ.search(ci.peel(pygit2.Commit).message.split("\n", 1)[0])
            total = int(m.group(2)) if m else 1
        chain: list[pygit2.Commit] = []
        c = head
        while len(c.parents) == 1 and (not total or len(chain) < total):
            chain.append(c)
            c = c.parents[0]
        base = c
        chain.reverse()
        if not chain:
            continue
        n = len(chain)
        raws = [
            _patch_mail(
                repo,
                p,
                f"{msgid}.p{i}" if i > 1 else msgid,
                msgid if i > 1 else "",
                f" {i}/{n}" if n > 1 else "",
            )
            for i, p in enumerate(chain, start=1)
        ]
        msgs = [parse_mail(r) for r in raws]
        (ms,) = assemble(msgs) or [
            MailSeries(key=msgid, revision=1, total=1, title="", author="", author_addr="")
        ]
        if skip_reason(msgs, settings.scan_prefixes):
            stats["skipped"] += 1
            continue
        try:
            series = series_between(repo, base, head, spec=f"{str(base.id)[:12]}..{msgid}")
            report = review(series, ReviewOptions(repo=repo_path, cache_dir=cache_dir))
        except Exception as exc:  # a bench: count and go on
            stats["error"] += 1
            print(f"error on {msgid}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        stats["reviewed"] += 1
        print(
            f"[{time.perf_counter() - t0:6.0f} s] {msgid}: {len(report.findings)} finding(s)",
            file=sys.stderr,
            flush=True,
        )
        sink = _Collect()
        bot = MailBot(settings, MailStore(":memory:"), transport=sink)
        rv = MailReview(
            BaseChoice(str(base.id), "the qemu-ci branch base"), report, str(head.id), ""
        )
        none = reply_policy.Prior({}, frozenset())
        auto = reply_policy.auto_replies(ms, rv, settings, none, bot.why)
        for draft in auto.drafts:
            bot.delivery.record(draft, ms.key)
        bot.deliver_pending()
        kept = reply_policy.kept_findings(report, settings)
        stats["findings"] += len(kept)
        for f in kept:
            rules[f.rule] = rules.get(f.rule, 0) + 1
        if sink.raws:
            stats["reply"] += 1
            if len(shown) < show:
                shown.append((msgid, sink.raws))
    dt = time.perf_counter() - t0
    print(
        f"{count} newest series branches of {repo_path}: reviewed {stats['reviewed']}, "
        f"skipped cheaply {stats['skipped']} (no C change under hw/ target/ migration/ "
        f"system/ include/), errors {stats['error']}; migcheck would reply to "
        f"{stats['reply']} ({stats['findings']} findings >= warning: "
        f"{', '.join(f'{k} x{v}' for k, v in sorted(rules.items()))}); {dt:.0f} s"
    )
    for msgid, raws in shown:
        print(
            "\n" + "#" * 72 + f"\n# series <{msgid}>: {len(raws)} repl"
            f"{'y' if len(raws) == 1 else 'ies'}"
        )
        for raw in raws:
            m = message_from_bytes(raw, policy=policy.default)
            print("-" * 72)
            for h in ("Subject", "In-Reply-To", "To", "Cc"):
                print(f"{h}: {m[h]}")
            print()
            part = m.get_body(preferencelist=("plain",))
            print(part.get_content() if part is not None else "")  # type: ignore[attr-defined]


def main() -> int:
    """CLI."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("ingest")
    a.add_argument("--messages", type=int, default=5000)
    b = sub.add_parser("traffic")
    b.add_argument("--repo", default="/work/.mirror/pbo-linaro+qemu-ci/repo")
    b.add_argument("--series", type=int, default=200)
    b.add_argument("--cache-dir", type=Path, default=Path("/tmp/mc-qemu-cache"))
    b.add_argument("--show", type=int, default=3)
    b.add_argument("--only", default="", metavar="MSGID,...", help="just these series")
    args = ap.parse_args()
    if args.what == "ingest":
        bench_ingest(args.messages)
    else:
        only = tuple(x for x in args.only.split(",") if x)
        bench_traffic(args.repo, args.series, args.cache_dir, args.show, only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
