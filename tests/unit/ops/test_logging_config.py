"""The [logging] section: validated and named when bad; flag > environment > file > default,
seen on a real `migcheck worker` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"logging": {"format": "xml"}}, "logging.format: expected one of text, json"),
        ({"logging": {"level": "loud"}}, "logging.level: expected one of debug"),
        ({"logging": {"colour": True}}, "logging.colour: unknown key"),
    ],
)
def test_bad_logging_keys_are_named(data: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(data, source="m.toml")
    assert named in str(exc.value)


def test_defaults_are_unset() -> None:
    cfg = parse_config({"logging": {"format": "json", "level": "debug"}})
    assert (cfg.logging.format, cfg.logging.level) == ("json", "debug")
    assert (parse_config({}).logging.format, parse_config({}).logging.level) == ("", "")


def _worker(cfg: Path, *flags: str, env: dict[str, str] | None = None) -> list[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MIGCHECK_LOG")}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--config", str(cfg), "--max-jobs", "0",
         "--no-mail", *flags],
        env={**base, "LGT_TOKEN": "tok-abcdefgh", "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return [ln for ln in out.stderr.splitlines() if "worker started" in ln]


def test_precedence_on_a_real_worker(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        '[gitlab]\ntoken_env = "LGT_TOKEN"\n'
        f'[service]\nstate_dir = "{tmp_path / "state"}"\n'
        '[logging]\nformat = "json"\nlevel = "info"\n'
    )
    [line] = _worker(cfg)  # from the file: JSON
    rec = json.loads(line)
    assert rec["level"] == "info" and rec["logger"] == "migcheck.worker"
    assert "tok-abcdefgh" not in line
    [line] = _worker(cfg, env={"MIGCHECK_LOG_FORMAT": "text"})  # environment beats the file
    assert not line.startswith("{") and "INFO migcheck.worker" in line
    [line] = _worker(cfg, "--log-format", "json", env={"MIGCHECK_LOG_FORMAT": "text"})
    assert json.loads(line)["msg"].startswith("worker started")  # the flag beats both
    assert _worker(cfg, "--log-level", "warning") == []  # flag level hides the info line
