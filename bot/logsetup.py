"""Logging for the service processes: plain text or one JSON object per line, and a redaction
filter so no secret reaches a log line.

    from bot.logsetup import add_log_arguments, configure_logging, secret_env_names
    add_log_arguments(parser)                      # --log-level, --log-format text|json
    configure_logging(level=args.log_level, fmt=args.log_format,
                      secret_envs=secret_env_names(cfg),
                      config_level=cfg.logging.level, config_format=cfg.logging.format)

Redacted everywhere (message, arguments, extra fields, tracebacks): the values of the
environment variables that hold secrets (the config's *_env keys plus any variable whose
name looks like a token/secret/password), `Authorization`, `PRIVATE-TOKEN`, `X-Gitlab-Token`,
`webhook-signature` and `Cookie` header values in header dumps, dict reprs and JSON,
`private_token=`/`password=` style parameters, passwords in URLs (`redis://:pw@host`), SMTP
`AUTH` arguments, and GitLab token shapes (`glpat-...`): the rules live in bot.redact, which
every other outgoing text (notes, mails, /status, build output) uses too. The format can also
come from the environment (`MIGCHECK_LOG_FORMAT=json`), so containers and units need no
extra flags.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from bot.errors import InputError
from bot.redact import MIN_SECRET_LEN, REDACTED, SECRET_ENV_NAME, Redactor

if TYPE_CHECKING:
    from bot.config import Config

__all__ = [
    "MIN_SECRET_LEN",
    "REDACTED",
    "SECRET_ENV_NAME",
    "Redactor",
    "add_log_arguments",
    "configure_logging",
    "make_handler",
    "secret_env_names",
]

FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error", "critical")
ENV_FORMAT = "MIGCHECK_LOG_FORMAT"
ENV_LEVEL = "MIGCHECK_LOG_LEVEL"

_STD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "taskName", "color_message"}  # uvicorn's ANSI copy of msg
)


class RedactingFilter(logging.Filter):
    """Handler filter: renders the message, redacts it, the traceback and extra fields."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self._fmt = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place (the record reaches every later handler already clean)."""
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad %-format must not lose the record
            message = f"{record.msg!r} % {record.args!r} (format error: {exc})"
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._fmt.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        record.exc_info = None  # the formatted, redacted text replaces it
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        for key in list(vars(record)):
            if key not in _STD_ATTRS:
                setattr(record, key, self.redactor.redact_value(getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then exc/stack and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON object."""
        ts = _dt.datetime.fromtimestamp(record.created, tz=_dt.UTC)
        obj: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            obj["exc"] = record.exc_text
        if record.stack_info:
            obj["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and key not in obj:
                obj[key] = value
        obj.setdefault("pid", record.process)
        return json.dumps(obj, ensure_ascii=False, default=repr, separators=(",", ":"))


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def make_handler(
    *, fmt: str = "text", stream: TextIO | None = None, redactor: Redactor | None = None
) -> logging.Handler:
    """A stream handler with the chosen format and the redaction filter attached."""
    if fmt not in FORMATS:
        raise InputError(
            f"expected one of {', '.join(FORMATS)}, got {fmt!r}", input_name="log format"
        )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter(redactor or Redactor.from_environment()))
    handler.set_name("migcheck")
    return handler


def _choose(choices: tuple[str, ...], default: str, *sources: tuple[str | None, str]) -> str:
    """The first set value of (value, where it came from), in order; a bad one is named."""
    for value, where in sources:
        if not value:
            continue
        if value.lower() not in choices:
            raise InputError(
                f"expected one of {', '.join(choices)}, got {value!r}",
                input_name=where,
                hint=f"set it to one of {', '.join(choices)} (or leave it unset)",
            )
        return value.lower()
    return default


def configure_logging(
    *,
    level: str | None = None,
    fmt: str | None = None,
    stream: TextIO | None = None,
    secret_envs: Iterable[str] = (),
    extra_secrets: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    config_level: str = "",
    config_format: str = "",
) -> logging.Handler:
    """Install the one root handler (replacing earlier ones); returns it.

    level/fmt (the command-line flags) win; then $MIGCHECK_LOG_LEVEL / $MIGCHECK_LOG_FORMAT;
    then the config file's [logging] level / format; then info / text (case-insensitive).
    A bad value raises InputError naming where it came from (flag, variable or config key).
    secret_envs: names of environment variables holding secrets (see secret_env_names).
    """
    env = os.environ if env is None else env
    fmt = _choose(
        FORMATS,
        "text",
        (fmt, "--log-format"),
        (env.get(ENV_FORMAT), f"${ENV_FORMAT}"),
        (config_format, "[logging] format"),
    )
    level_name = _choose(
        LEVELS,
        "info",
        (level, "--log-level"),
        (env.get(ENV_LEVEL), f"${ENV_LEVEL}"),
        (config_level, "[logging] level"),
    ).upper()
    base = Redactor.from_environment(env, secret_envs)
    redactor = Redactor([*base.values, *extra_secrets])
    handler = make_handler(fmt=fmt, stream=stream, redactor=redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_name)
    # uvicorn installs its own handlers unless run with log_config=None; route them via ours
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.captureWarnings(True)
    return handler


def secret_env_names(cfg: Config) -> tuple[str, ...]:
    """The environment variable names a bot.config.Config points at for secrets."""
    gl = cfg.gitlab
    candidates = [
        gl.token_env,
        gl.webhook_secret_env,
        gl.signing_secret_env,
        cfg.queue.password_env,
        cfg.service.status_token_env,
    ]
    candidates += [str(v) for k, v in cfg.mail.options if str(k).endswith("_env") and v]
    return tuple(str(name) for name in candidates if name)


def add_log_arguments(parser: argparse.ArgumentParser, *, level: bool = True) -> None:
    """--log-format (and --log-level unless the parser already has one)."""
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=None,
        help=f"text or json, one object per line (default: ${ENV_FORMAT} or text)",
    )
    if level:
        parser.add_argument(
            "--log-level",
            choices=LEVELS,
            type=str.lower,
            default=None,
            help=f"default: ${ENV_LEVEL} or info",
        )
