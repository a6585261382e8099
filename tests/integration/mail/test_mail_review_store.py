"""Issue 14 item 3: one store of sent replies for every path that sends. `mail review --send`
records in the poller's store: run twice, or after a poll, or before one, each reply reaches
the thread once (real CLI, public-inbox archive, aiosmtpd on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailenv import poll_config
from mailenv import run_mail_cli as _cli
from mailfix import mbox
from smtpfix import Sink


def _setup(tmp_path: Path, port: int) -> tuple[Path, Path]:
    cfg, raws = poll_config(tmp_path, port)
    box = tmp_path / "thread.mbox"
    box.write_bytes(mbox(raws))
    return cfg, box


def test_review_send_twice_sends_once(
    tmp_path: Path, smtp_server: tuple[Sink, int], capsys: pytest.CaptureFixture[str]
) -> None:
    sink, port = smtp_server
    cfg, box = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert len(sink.got) == 3
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert len(sink.got) == 3
    assert "0 replies" in capsys.readouterr().out.splitlines()[-1]


def test_poll_then_review_send_then_poll_sends_each_reply_once(
    tmp_path: Path, smtp_server: tuple[Sink, int]
) -> None:
    sink, port = smtp_server
    cfg, box = _setup(tmp_path, port)
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
    cfg, box = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg), "--send"]) == 0
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    assert len(sink.got) == 3


def test_review_without_send_prints_and_records_nothing(
    tmp_path: Path, smtp_server: tuple[Sink, int], capsys: pytest.CaptureFixture[str]
) -> None:
    sink, port = smtp_server
    cfg, box = _setup(tmp_path, port)
    assert _cli(["mail", "review", str(box), "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.count("In-Reply-To: <v1.") == 3
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0  # a dry look stops nothing
    assert len(sink.got) == 3
