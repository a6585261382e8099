"""bot.logsetup: JSON lines on request, and no secret survives into any log output."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import parse_config
from bot.errors import InputError
from bot.logsetup import (
    REDACTED,
    Redactor,
    add_log_arguments,
    configure_logging,
    secret_env_names,
)

TOKEN = "glpat-Zq8x3VbN1mKp0rT5sW7y"
WEBHOOK = "hook-s3cr3t-0123456789abcdef"
SMTP_PW = "Sm7p-P@ss-w0rd!"
SIGNING = "whsec_c2lnbmluZy1zZWNyZXQtdmFsdWU="
OTHER = "xK9-arbitrary-api-key-value"
ENV = {
    "MIGCHECK_GITLAB_TOKEN": TOKEN,
    "MIGCHECK_WEBHOOK_SECRET": WEBHOOK,
    "MIGCHECK_SMTP_PASSWORD": SMTP_PW,
    "CUSTOM_SIGN": SIGNING,
    "SOME_SERVICE_API_KEY": OTHER,
    "HOME": "/var/lib/migcheck",
    "PATH": "/usr/bin",
}
ALL = (TOKEN, WEBHOOK, SMTP_PW, SIGNING, OTHER)


@pytest.fixture
def capture() -> Iterator[tuple[io.StringIO, logging.Logger]]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buf = io.StringIO()
    configure_logging(level="debug", fmt="json", stream=buf, env=ENV, secret_envs=("CUSTOM_SIGN",))
    try:
        yield buf, logging.getLogger("migcheck.test")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _lines(buf: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def _assert_clean(text: str) -> None:
    for secret in ALL:
        assert secret not in text, secret
        # no recognisable fragment either
        assert secret[4:-4] not in text, secret
    assert REDACTED in text


def test_one_json_object_per_line(capture: tuple[io.StringIO, logging.Logger]) -> None:
    buf, log = capture
    log.info("job %s done", 7, extra={"job": 7, "mr": "1!2"})
    log.warning("second\nwith a newline")
    lines = _lines(buf)
    assert len(lines) == 2
    assert lines[0]["msg"] == "job 7 done" and lines[0]["job"] == 7 and lines[0]["mr"] == "1!2"
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "migcheck.test"
    assert str(lines[0]["ts"]).endswith("Z")
    assert lines[1]["msg"] == "second\nwith a newline"


def test_secrets_from_environment_are_redacted(
    capture: tuple[io.StringIO, logging.Logger],
) -> None:
    buf, log = capture
    log.info("token is %s", TOKEN)
    log.info("webhook secret %r and smtp %s", WEBHOOK, SMTP_PW)
    log.info(f"inline f-string {SIGNING} and {OTHER}")
    log.debug("in extra", extra={"payload": {"nested": [TOKEN, {"k": WEBHOOK}]}})
    out = buf.getvalue()
    _assert_clean(out)
    assert len(_lines(buf)) == 4


@pytest.mark.parametrize(
    "message",
    [
        "request headers: {'PRIVATE-TOKEN': 'abcd1234efgh', 'User-Agent': 'x'}",
        'headers {"X-Gitlab-Token": "abcd1234efgh"}',
        "send: b'GET /api/v4/user HTTP/1.1\\r\\nPRIVATE-TOKEN: abcd1234efgh\\r\\n'",
        "Authorization: Bearer abcd1234efgh",
        "header authorization=Basic abcd1234efgh",
        "GET https://gitlab.example/api/v4/projects?private_token=abcd1234efgh&page=2",
        "connecting to redis://:abcd1234efgh@redis:6379/0",
        "smtp send: 'AUTH PLAIN AG1pZ2NoZWNrAGFiY2QxMjM0ZWZnaA=='",
        "cookie: session=abcd1234efgh",
        "config {'smtp_password': 'abcd1234efgh'}",
        "webhook-signature: v1,abcd1234efgh",
        "leaked glpat-abcd1234efgh5678 in a message",
    ],
)
def test_credential_shapes_are_redacted(
    capture: tuple[io.StringIO, logging.Logger], message: str
) -> None:
    buf, log = capture
    log.info(message)
    msg = str(_lines(buf)[0]["msg"])
    assert "abcd1234efgh" not in msg, msg
    assert "AG1pZ2NoZWNrAGFiY2QxMjM0ZWZnaA" not in msg
    assert REDACTED in msg


def test_headers_mapping_in_extra_is_redacted(
    capture: tuple[io.StringIO, logging.Logger],
) -> None:
    buf, log = capture
    log.info(
        "delivery",
        extra={"headers": {"X-Gitlab-Token": "plain-but-unknown", "X-Gitlab-Event": "Note Hook"}},
    )
    line = _lines(buf)[0]
    assert line["headers"] == {"X-Gitlab-Token": REDACTED, "X-Gitlab-Event": "Note Hook"}


def test_tracebacks_are_redacted(capture: tuple[io.StringIO, logging.Logger]) -> None:
    buf, log = capture
    try:
        raise RuntimeError(f"auth failed for token {TOKEN} / {SMTP_PW}")
    except RuntimeError:
        log.exception("posting failed")
    line = _lines(buf)[0]
    assert "RuntimeError" in str(line["exc"])
    _assert_clean(buf.getvalue())


def test_text_format_is_redacted_too() -> None:
    buf = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(level="info", fmt="text", stream=buf, env=ENV)
        logging.getLogger("migcheck.smtp").info("login %s %s", "migcheck", SMTP_PW)
        logging.getLogger("uvicorn.error").warning("X-Gitlab-Token: %s", WEBHOOK)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    out = buf.getvalue()
    assert out.count("\n") == 2 and "login migcheck" in out
    assert SMTP_PW not in out and WEBHOOK not in out


def test_bad_format_arguments_do_not_lose_the_record(
    capture: tuple[io.StringIO, logging.Logger],
) -> None:
    buf, log = capture
    log.info("two %s %s", TOKEN)  # wrong arg count: logged, still redacted
    assert "format error" in str(_lines(buf)[0]["msg"])
    assert TOKEN not in buf.getvalue()


def test_format_from_environment() -> None:
    buf = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(stream=buf, env={"MIGCHECK_LOG_FORMAT": "json"})
        logging.getLogger("x").info("hello")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert json.loads(buf.getvalue())["msg"] == "hello"
    with pytest.raises(InputError, match="--log-format: expected one of text, json"):
        configure_logging(fmt="xml", stream=io.StringIO(), env={})


def test_secret_env_names_from_config() -> None:
    cfg = parse_config(
        {
            "gitlab": {"token_env": "T_ENV", "signing_secret_env": "S_ENV"},
            "mail": {"smtp_password_env": "P_ENV"},
        }
    )
    assert set(secret_env_names(cfg)) == {"T_ENV", "MIGCHECK_WEBHOOK_SECRET", "S_ENV", "P_ENV"}
    r = Redactor.from_environment(
        {"T_ENV": "value-of-t", "P_ENV": "pw-value"}, secret_env_names(cfg)
    )
    assert r.redact("a value-of-t b pw-value") == f"a {REDACTED} b {REDACTED}"


def test_short_values_and_plain_text_untouched() -> None:
    r = Redactor(["ab", "x"])
    text = "MR 1!2 head abcdef0123 reviewed: 3 findings (MIG001, MIG020); tokenizer ok"
    assert r.redact(text) == text
    b64 = base64.b64encode(b"\0u\0secretpw").decode()
    assert b64 not in r.redact(f"AUTH PLAIN {b64}")


def test_add_log_arguments() -> None:
    import argparse

    p = argparse.ArgumentParser()
    add_log_arguments(p)
    ns = p.parse_args(["--log-format", "json", "--log-level", "DEBUG"])
    assert ns.log_format == "json" and ns.log_level == "debug"
