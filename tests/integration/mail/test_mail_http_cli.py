"""Thread fetch over HTTP from a public-inbox-like server on loopback, and the CLI."""

from __future__ import annotations

import gzip
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from mailenv import poll_config
from mailenv import run_mail_cli as _cli
from mailfix import mbox, sample_repo, series_mails
from smtpfix import Sink

from bot.errors import InputError
from bot.sources.publicinbox import fetch_thread, thread_url


def _serve(threads: dict[str, bytes]) -> Iterator[str]:
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.unquote(self.path)
            for mid, data in threads.items():
                if path == f"/qemu-devel/{mid}/t.mbox.gz":
                    body = gzip.compress(data)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/gzip")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
            self.send_response(404)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/qemu-devel"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def server() -> Iterator[str]:
    yield from _serve({"v1.0@example.org": mbox(series_mails("v1"))})


def test_fetch_thread_by_message_id(server: str) -> None:
    msgs = fetch_thread(server, "<v1.0@example.org>")
    assert [m.msgid for m in msgs] == [f"v1.{i}@example.org" for i in range(4)]
    assert thread_url(server, "<a/b@x>").endswith("/a%2Fb@x/t.mbox.gz")
    with pytest.raises(InputError, match="404"):
        fetch_thread(server, "nope@x")


def test_mail_review_url_prints_replies(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = sample_repo(tmp_path)
    rc = _cli(
        [
            "mail",
            "review",
            "v1.0@example.org",
            "--url",
            server,
            "--repo",
            repo,
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert out.count("In-Reply-To: <v1.") == 3
    assert "<v1.0@example.org>: reviewed (3 finding(s))" in out


def test_mail_review_mbox_to_outbox_with_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = sample_repo(tmp_path)
    box = tmp_path / "s.mbox"
    box.write_bytes(mbox(series_mails("v1", only=[1, 2])))
    rc = _cli(
        [
            "mail",
            "review",
            str(box),
            "--repo",
            repo,
            "--base",
            base,
            "--outbox",
            str(tmp_path / "out"),
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    assert rc == 0
    files = list((tmp_path / "out").glob("*.eml"))
    assert len(files) == 2
    text = b"".join(f.read_bytes() for f in files).decode()
    assert "patch 3/3 did not arrive" in text.replace("=\n", "")
    assert "2 replies written to" in capsys.readouterr().out


def test_mail_poll_config(
    tmp_path: Path, smtp_server: tuple[Sink, int], capsys: pytest.CaptureFixture[str]
) -> None:
    sink, port = smtp_server
    cfg, _ = poll_config(tmp_path, port)
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    assert "replies queued 3, delivered 3" in capsys.readouterr().out
    assert len(sink.got) == 3
    assert _cli(["mail", "poll", "--config", str(cfg)]) == 0
    assert "ingested 0 message(s)" in capsys.readouterr().out
    assert len(sink.got) == 3
    (tmp_path / "bad.toml").write_text("[mail]\nrate_limit_per_hour = 'x'\n")
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"mail\.rate_limit_per_hour"):
        _cli(["mail", "poll", "--config", str(tmp_path / "bad.toml")])
