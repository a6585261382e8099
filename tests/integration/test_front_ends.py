"""One review, every front end: the same series through `migcheck check`, the GitLab worker
(loopback GitLab server), the mail bot (loopback SMTP server) and `migcheck mail review`
gives the same findings, identified by their fingerprints (what each front end uses to
never repeat itself: the JSON report's `fingerprint`, GitLab's hidden thread marker, the
mail's X-Migcheck-Fingerprints header)."""

from __future__ import annotations

import email
import email.policy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
for sub in (HERE / "gitlab", HERE / "mail", HERE.parent / "unit" / "mail"):
    if str(sub) not in sys.path:
        sys.path.insert(0, str(sub))

from fakegitlab import FakeGitLab  # noqa: E402
from gitlabfix import (  # noqa: E402
    ALICE,
    BOT,
    IID,
    PID,
    Running,
    env,
    fake,
    sample,
    service,
    service_factory,
)
from mailfix import mbox, series_mails  # noqa: E402
from smtpfix import Sink, serve_smtp  # noqa: E402

from bot.cli import main  # noqa: E402
from bot.mail.compose import FINGERPRINT_HEADER  # noqa: E402
from bot.mail.config import MailSettings  # noqa: E402
from bot.mail.poller import MailBot  # noqa: E402
from bot.mail.store import MailStore  # noqa: E402
from bot.reporters.gitlab import FP_RE  # noqa: E402
from bot.sources.mail import parse_mail  # noqa: E402

__all__ = ["env", "fake", "sample", "service", "service_factory"]  # fixtures used below


def _cli(repo: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """fingerprint -> rule of `migcheck check --format json master..series`."""
    rc = main(["check", "--repo", str(repo), "--cache-dir", str(cache), "--format", "json",
               "--fail-on", "never", "master..series"])  # fmt: skip
    assert rc == 0
    return {f["fingerprint"]: f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}


def _gitlab(fake: FakeGitLab, service: Running) -> dict[str, str]:
    """fingerprint -> rule of the threads the worker opened on the merge request."""
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    assert service.mr_event(fake, "open").status_code == 202
    service.wait_idle()
    out = {}
    for d in fake.discussions(PID, IID):
        first = d["notes"][0]
        m = FP_RE.search(first["body"])
        if first["author"]["id"] == BOT and m:
            out[m.group(1)] = first["body"].split("**")[1].split()[0]
    return out


def _mails_fingerprints(raws: list[bytes]) -> dict[str, str]:
    """fingerprint -> rule of the findings carried by the replies."""
    out = {}
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        fps = str(msg[FINGERPRINT_HEADER] or "").split()
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
        rules = [w for w in text.split() if w.startswith("MIG") and w[3:].isdigit()]
        for fp in fps:
            out[fp] = ""
        assert len(fps) == len(dict.fromkeys(rules)), (fps, rules)
    return out


def _mail_poll(repo: Path, tmp: Path) -> dict[str, str]:
    """fingerprint -> '' of the replies the mail bot sent to a real SMTP server."""
    sink = Sink()
    with serve_smtp(sink) as port:
        settings = MailSettings(
            enabled=True, repo=str(repo), smtp_host="127.0.0.1", smtp_port=port,
            smtp_starttls=False, from_address="migcheck <bot@migcheck.test>",
            msgid_domain="migcheck.test", cache_dir=str(tmp / "mail-cache"),
            wait_complete=0.0, rate_limit_per_hour=0, min_severity="note",
            store=str(tmp / "mail.sqlite3"), lookback_days=0)  # fmt: skip
        store = MailStore(settings.store)
        try:
            bot = MailBot(settings, store)
            bot.ingest_messages(parse_mail(r) for r in series_mails("fe"))
            bot.process()
            bot.deliver_pending()
        finally:
            store.close()
    assert sink.got, "the mail bot sent nothing"
    return _mails_fingerprints([r.data for r in sink.got])


def _mail_review(repo: Path, tmp: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """fingerprint -> '' of the replies `migcheck mail review --outbox` writes."""
    box = tmp / "series.mbox"
    box.write_bytes(mbox(series_mails("mr")))
    outbox = tmp / "outbox"
    # No --config: that would configure this process's logging for the tests after it.
    rc = main(["mail", "review", str(box), "--repo", str(repo), "--cache-dir",
               str(tmp / "mr-cache"), "--outbox", str(outbox)])  # fmt: skip
    capsys.readouterr()
    assert rc == 0
    return _mails_fingerprints([p.read_bytes() for p in sorted(outbox.glob("*.eml"))])


def test_the_same_series_gives_the_same_findings_everywhere(
    sample: Any, fake: FakeGitLab, service: Running, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    cli = _cli(sample.path, tmp_path / "cli-cache", capsys)
    assert sorted(cli.values()) == ["MIG002", "MIG006", "MIG030"]
    assert _gitlab(fake, service) == cli
    assert set(_mail_poll(sample.path, tmp_path)) == set(cli)
    assert set(_mail_review(sample.path, tmp_path, capsys)) == set(cli)
