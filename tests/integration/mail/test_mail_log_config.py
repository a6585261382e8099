"""`migcheck mail poll` applies the config's [logging] section like serve and worker do: a real
process with `format = "json"` logs JSON lines on stderr, its report on stdout is unchanged,
and the --log-format flag still wins over the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mailfix import Inbox, sample_repo, series_mails

ROOT = Path(__file__).resolve().parents[3]


def _config(tmp: Path) -> Path:
    repo, _ = sample_repo(tmp)
    inbox = Inbox(tmp / "inbox")
    for raw in series_mails("v1", date=1_767_690_000 + 10**8):
        inbox.add(raw)
    cfg = tmp / "m.toml"
    cfg.write_text(f"""
[service]
state_dir = "{tmp / "state"}"
cache_dir = "{tmp / "cache"}"

[logging]
format = "json"

[mail]
enabled = true
inboxes = ["{inbox.root}"]
repo = "{repo}"
outbox = "{tmp / "outbox"}"
wait_complete = 0.0
""")
    return cfg


def _poll(cfg: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGCHECK_LOG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "mail", "poll", "--config", str(cfg), *flags],
        env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_mail_poll_logs_json_lines_from_the_config(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    out = _poll(cfg)
    assert out.returncode == 0, out.stderr
    assert "reviewed 1" in out.stdout and "replies queued 3, delivered 3" in out.stdout
    records = [json.loads(line) for line in out.stderr.splitlines() if line.strip()]
    assert any(r["logger"] == "bot.index" and r["level"] == "info" for r in records), out.stderr
    other = tmp_path / "other"  # a fresh inbox, so the second run reviews (and logs) too
    other.mkdir()
    out = _poll(_config(other), "--log-format", "text")
    assert out.returncode == 0, out.stderr
    assert "replies queued 3, delivered 3" in out.stdout
    assert " INFO bot.index: index " in out.stderr and "{" not in out.stderr, out.stderr
