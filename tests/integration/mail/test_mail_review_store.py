"""Issue 14 item 3: one store of sent replies for every path that sends. `mail review --send`
records in the poller's store: run twice, or after a poll, or before one, each reply reaches
the thread once (real CLI, public-inbox archive, aiosmtpd on loopback)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest
from mailfix import DATE0, Inbox, mbox, sample_repo, series_mails
from smtpfix import Sink

from bot.commands import mail_cmd


def _cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    mail_cmd.register(sub)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        return mail_cmd.run(p.parse_args(argv))
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _setup(tmp_path: Path, port: int) -> tuple[Path, Path, Inbox]:
    repo, _ = sample_repo(tmp_path)
    inbox = Inbox(tmp_path / "inbox")
    raws = series_mails("v1", date=DATE0 + 10**8)  # "now" for a real clock: no lookback cut
    for raw in raws:
        inbox.add(raw)
    box = tmp_path / "thread.mbox"
    box.write_bytes(mbox(raws))
    cfg = tmp_path / "migcheck.toml"
    cfg.write_text(f"""
[service]
state_dir = "{tmp_path / "state"}"
cache_dir = "{tmp_path / "cache"}"

[mail]
enabled = true
inboxes = ["{inbox.root}"]
repo = "{repo}"
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_starttls = false
wait_complete = 0.0
""")
    return cfg, box, inbox


def test_review_send_twice_sends_once(
    tmp_path: Path, smtp_server: tuple[Sink, int], capsys: pytest.CaptureFixture[str]
) -> None:
    sink, port = smtp_server
    cfg, box, _ = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert len(sink.got) == 3
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert len(sink.got) == 3
    assert "0 replies" in capsys.readouterr().out.splitlines()[-1]


def test_poll_then_review_send_then_poll_sends_each_reply_once(
    tmp_path: Path, smtp_server: tuple[Sink, int]
) -> None:
    sink, port = smtp_server
    cfg, box, _ = _setup(tmp_path, port)
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    assert len(sink.got) == 3
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    irt = sorted(str(r.msg["In-Reply-To"]) for r in sink.got)
    assert irt == ["<v1.1@example.org>", "<v1.2@example.org>", "<v1.3@example.org>"]


def test_review_send_first_then_poll_does_not_repeat(
    tmp_path: Path, smtp_server: tuple[Sink, int]
) -> None:
    sink, port = smtp_server
    cfg, box, _ = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    assert len(sink.got) == 3


def test_review_without_send_prints_and_records_nothing(
    tmp_path: Path, smtp_server: tuple[Sink, int], capsys: pytest.CaptureFixture[str]
) -> None:
    sink, port = smtp_server
    cfg, box, _ = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.count("In-Reply-To: <v1.") == 3
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0  # a dry look stops nothing
    assert len(sink.got) == 3
