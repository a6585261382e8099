"""The [logging] section: validated and named when bad; flag > environment > file > default,
seen in configure_logging and on real `migcheck worker` and `migcheck serve` processes."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.errors import ConfigError, InputError
from bot.logsetup import JsonFormatter, configure_logging

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


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


# (flag, environment, config file) -> what wins; "" = not given at that level
PRECEDENCE = [
    (("", "", ""), ("text", "INFO")),
    (("", "", "json/debug"), ("json", "DEBUG")),
    (("", "text/error", "json/debug"), ("text", "ERROR")),
    (("json/warning", "text/error", "json/debug"), ("json", "WARNING")),
    (("json/warning", "", ""), ("json", "WARNING")),
    (("", "json/", "/error"), ("json", "ERROR")),  # each key resolved on its own
    (("", "JSON/Debug", ""), ("json", "DEBUG")),  # case does not matter
]


@pytest.mark.parametrize(("layers", "expected"), PRECEDENCE)
def test_precedence_flag_environment_file_default(
    layers: tuple[str, str, str], expected: tuple[str, str], root_restored: None
) -> None:
    (flag_fmt, flag_lvl), (env_fmt, env_lvl), (cfg_fmt, cfg_lvl) = (
        (x.split("/") if x else ["", ""]) for x in layers
    )
    env = {"MIGCHECK_LOG_FORMAT": env_fmt, "MIGCHECK_LOG_LEVEL": env_lvl}
    buf = io.StringIO()
    handler = configure_logging(level=flag_lvl or None, fmt=flag_fmt or None, stream=buf,
                                env=env, config_format=cfg_fmt, config_level=cfg_lvl)  # fmt: skip
    fmt = "json" if isinstance(handler.formatter, JsonFormatter) else "text"
    assert (fmt, logging.getLevelName(logging.getLogger().level)) == expected


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"level": "loud"}, "--log-level: expected one of debug, info, warning, error"),
        ({"env": {"MIGCHECK_LOG_LEVEL": "loud"}}, "$MIGCHECK_LOG_LEVEL: expected one of debug"),
        ({"env": {"MIGCHECK_LOG_FORMAT": "xml"}}, "$MIGCHECK_LOG_FORMAT: expected one of text"),
        ({"config_format": "xml"}, "[logging] format: expected one of text, json, got 'xml'"),
        ({"config_level": "loud"}, "[logging] level: expected one of debug"),
    ],
)
def test_a_bad_value_names_where_it_came_from(
    kwargs: dict[str, object], named: str, root_restored: None
) -> None:
    kwargs = {"env": {}, **kwargs}
    with pytest.raises(InputError) as exc:
        configure_logging(stream=io.StringIO(), **kwargs)  # type: ignore[arg-type]
    assert named in str(exc.value)


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MIGCHECK_LOG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        env={**base, "LGT_TOKEN": "tok-abcdefgh", "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip


def test_config_check_names_the_bad_logging_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[logging]\nformat = "xml"\n')
    out = _cli("config", "check", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{bad}: logging.format: expected one of text, json, got 'xml'" in out.stderr
    bad.write_text('[logging]\nlevel = "verbose"\n')
    out = _cli("config", "check", str(bad))
    assert out.returncode == 2 and "logging.level: expected one of debug" in out.stderr
    good = tmp_path / "good.toml"
    good.write_text('[logging]\nformat = "JSON"\nlevel = "Warning"\n')
    assert _cli("config", "check", str(good)).returncode == 0


def test_a_bad_flag_or_variable_is_a_clean_error_on_a_real_worker(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(f'[gitlab]\ntoken_env = "LGT_TOKEN"\n[service]\nstate_dir = "{tmp_path}"\n')
    run = ("worker", "--config", str(cfg), "--max-jobs", "0", "--no-mail")
    for flags, env, named in [
        (("--log-level", "loud"), {}, "--log-level: expected one of debug"),
        ((), {"MIGCHECK_LOG_LEVEL": "loud"}, "$MIGCHECK_LOG_LEVEL: expected one of debug"),
        ((), {"MIGCHECK_LOG_FORMAT": "xml"}, "$MIGCHECK_LOG_FORMAT: expected one of text"),
    ]:
        out = _cli(*run, *flags, env=env)
        assert out.returncode == 2, out.stderr
        assert named in out.stderr and "Traceback" not in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_logs_json_lines_when_the_file_says_so(tmp_path: Path) -> None:
    port = _free_port()
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        '[gitlab]\nurl = "http://127.0.0.1:9"\ntoken_env = "LGT_TOKEN"\n'
        f'[service]\nstate_dir = "{tmp_path / "state"}"\nport = {port}\n'
        '[logging]\nformat = "json"\nlevel = "info"\n'
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("MIGCHECK_LOG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(cfg), "--no-worker"],
        env={**base, "LGT_TOKEN": "tok-abcdefgh", "MIGCHECK_WEBHOOK_SECRET": "hook-abcdefgh",
             "PYTHONPATH": str(ROOT)},
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]  # all JSON
    assert any(r["logger"].startswith("uvicorn") and r["level"] == "info" for r in records), err
    assert "tok-abcdefgh" not in err and "hook-abcdefgh" not in err
