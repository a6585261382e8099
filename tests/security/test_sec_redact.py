"""Issue 10 item 9: redaction has no gaps for the shapes an attacker showed, one function
serves every outgoing text (build output included), and `migcheck config check` refuses a
password in any URL, naming the key and never printing the password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from secfix import ROOT

from bot.logsetup import Redactor

LEAKS = [
    ("redis://:pa/ss@redis.internal:6379/0", "pa/ss"),
    ("redis://user:p@ss@redis.internal/0", "ss@redis"),
    ("redis://user:p@ss/w0rd@redis.internal/0", "w0rd"),
    ("Authorization: token abc123", "abc123"),
    ("git push with token abc", "abc"),
    ("machine gitlab.example login oauth2 password hunter2", "hunter2"),
    ("CI_JOB_TOKEN=64_AbCdEfGhIjKlMnOp", "64_AbCd"),
    ("export MIGCHECK_SMTP_PASSWORD='s3cr3t value'", "s3cr3t"),
    ("glpat-AbCdEf123456789_xyzAB.01.1b2c3d4e5", ".01.1b2c3d4e5"),
    ("gldt-AbCdEfGhIjKlMnOpQrSt.01.0z9y8x7w6", "0z9y8x7w6"),
    ("glrt-t1_AbCdEfGhIjKlMnOpQr.0w1abc.2ab34", "2ab34"),
    ("glcbt-64_AbCdEfGhIjKlMnOpQrSt.01.zz9", "zz9"),
    ("GR1348941AbCdEfGhIjKlMnOpQrSt", "AbCdEfGhIj"),
]
KEEP = [
    "token is missing",
    "error: expected ';' before '}' token",
    "glib-networking-2.74 is fine",
    "https://gitlab.example.com/qemu/qemu/-/merge_requests/12",
    "ssh://git@gitlab.example.com:22/qemu/qemu.git",
]


@pytest.mark.parametrize(("text", "secret"), LEAKS)
def test_no_gap_in_redaction(text: str, secret: str) -> None:
    out = Redactor.from_environment(env={}).redact(text)
    assert secret not in out and "[REDACTED]" in out, out


@pytest.mark.parametrize("text", KEEP)
def test_ordinary_text_survives(text: str) -> None:
    assert Redactor.from_environment(env={}).redact(text) == text


def test_one_redact_function_for_every_outgoing_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.redact import redact, shown

    monkeypatch.setenv("SOME_SERVICE_TOKEN", "value-of-the-token")
    assert redact("x value-of-the-token y") == "x [REDACTED] y"
    capped = shown("a" * 10_000, 100)
    assert len(capped) < 200 and "cut" in capped


def test_texts_of_the_series_tools_are_redacted_and_capped_in_findings(tmp_path: Path) -> None:
    """The tree's own vmstate-static-checker.py (run on dumps) prints secrets, huge lines and
    thousands of lines: the findings carry none of the secrets and stay small."""
    from bot.artifacts.sandbox import Limits, probe
    from bot.artifacts.upstream import reconcile, run_upstream

    script = tmp_path / "vmstate-static-checker.py"
    script.write_text(
        "print('Section \"glpat-AbCdEf123456789_xyzAB.01.1b2c3d4e5\" does not exist in dest')\n"
        "print('password hunter2 and redis://:pa/ss@h/0 ' + 'x' * 5_000_000)\n"
        "for i in range(5000):\n    print(f'noise line {i}')\n")
    dump = tmp_path / "d.json"
    dump.write_text('{"vmschkmachine": {"Name": "pc"}}')
    reports = run_upstream(script, dump, dump, sandbox=probe(True), limits=Limits(),
                           workdir=tmp_path)
    findings = reconcile(None, reports)
    text = "\n".join(f.message + repr(f.extra) + f.entity for f in findings)
    for secret in ("1b2c3d4e5", "hunter2", "pa/ss"):
        assert secret not in text
    assert len(findings) < 500 and len(text) < 2_000_000


URL_KEYS = [
    ("queue", "url", "redis://:hunter2pw@redis.internal:6379/0"),
    ("queue", "url", "redis://default:pa/ss@redis.internal:6379/0"),
    ("gitlab", "url", "https://bot:hunter2pw@gitlab.example.com"),
    ("service", "state_url", "postgresql://migcheck:hunter2pw@db.example/migcheck"),
    ("service", "public_url", "https://admin:hunter2pw@migcheck.example/status"),
    ("mail", "inboxes", ["https://u:hunter2pw@lore.example/qemu-devel"]),
]


@pytest.mark.parametrize(("section", "key", "value"), URL_KEYS)
def test_config_check_refuses_a_password_in_any_url(tmp_path: Path, section: str, key: str,
                                                   value: object) -> None:
    toml = f'[{section}]\n{key} = {_toml(value)}\n'
    cfg = tmp_path / "m.toml"
    cfg.write_text(toml)
    r = subprocess.run([sys.executable, "-m", "bot", "config", "check", str(cfg)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, check=False)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    assert f"{section}.{key}" in out, out
    assert "hunter2pw" not in out and "pa/ss" not in out, out
    assert "Traceback" not in out


def _toml(v: object) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(f'"{x}"' for x in v) + "]"
    return f'"{v}"'


def test_the_redis_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """With URL passwords refused, queue.password_env is how Redis gets one (and the log
    redactor knows that variable)."""
    from bot.config import load_config
    from bot.logsetup import secret_env_names
    from bot.service.queue.redisqueue import RedisQueue

    cfg_file = tmp_path / "m.toml"
    cfg_file.write_text('[queue]\nurl = "redis://127.0.0.1:1/0"\npassword_env = "MY_REDIS_PW"\n')
    cfg = load_config(cfg_file)
    monkeypatch.setenv("MY_REDIS_PW", "from-the-env-42")
    q = RedisQueue(cfg.queue.url, cfg.queue)
    assert q._r.connection_pool.connection_kwargs["password"] == "from-the-env-42"
    assert "MY_REDIS_PW" in secret_env_names(cfg)
