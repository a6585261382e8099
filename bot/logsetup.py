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
`AUTH` arguments, and GitLab token shapes (`glpat-...`). The format can also come from the
environment (`MIGCHECK_LOG_FORMAT=json`), so containers and units need no extra flags.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from bot.errors import InputError

REDACTED = "[REDACTED]"
FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error", "critical")
ENV_FORMAT = "MIGCHECK_LOG_FORMAT"
ENV_LEVEL = "MIGCHECK_LOG_LEVEL"
MIN_SECRET_LEN = 4  # shorter values would redact ordinary words

# Environment variable names whose values are treated as secrets even when no config names them.
SECRET_ENV_NAME = re.compile(
    r"(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I
)
_HEADER_NAMES = (
    r"authorization|proxy-authorization|private-token|x-gitlab-token|job-token|"
    r"webhook-signature|cookie|set-cookie|x-api-key"
)
_KEY_NAMES = (
    r"private_token|access_token|token|secret|password|passwd|smtp_password|api_key|"
    r"webhook_secret|signing_secret|oauth_token|job_token"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # header dumps: "Authorization: Bearer abc", "PRIVATE-TOKEN: abc" (whole rest of line)
    (re.compile(rf"(?im)^(\s*(?:{_HEADER_NAMES})\s*:\s*)(\S.*)$"), rf"\1{REDACTED}"),
    # dict/JSON reprs: 'PRIVATE-TOKEN': 'abc' / "password": "abc" / b'x-gitlab-token': b'abc'
    (
        re.compile(
            rf"(?i)(b?['\"](?:{_HEADER_NAMES}|{_KEY_NAMES})['\"]\s*[:,]\s*b?)(['\"])(.*?)(?<!\\)\2"
        ),
        rf"\1\2{REDACTED}\2",
    ),
    # inline headers / parameters: "authorization=Bearer x", "private_token=abc&", "token: abc"
    (
        re.compile(
            rf"(?i)\b((?:{_HEADER_NAMES}|{_KEY_NAMES})\s*[=:]\s*)(?:bearer\s+|basic\s+)?"
            r"(?!\[REDACTED\])([^\s&,;'\"\)\]}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    # credentials in URLs: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)([^@\s/]+)(@)"), rf"\1{REDACTED}\3"),
    # SMTP AUTH: "AUTH PLAIN <b64>", "AUTH LOGIN <b64>", and smtplib's "send: 'AUTH ...'"
    (re.compile(r"(?i)\b(AUTH\s+(?:PLAIN|LOGIN|CRAM-MD5|XOAUTH2)\s+)(\S+)"), rf"\1{REDACTED}"),
    # GitLab token shapes anywhere
    (re.compile(r"\bgl(?:pat|dt|rt|ptt|oas|cbt|ft|imt|agent|soat)-[A-Za-z0-9_\-]{8,}"), REDACTED),
    # Bearer tokens anywhere
    (re.compile(r"(?i)\b(bearer\s+)(?!\[REDACTED\])([A-Za-z0-9._~+/=\-]{8,})"), rf"\1{REDACTED}"),
)

_STD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "taskName", "color_message"}  # uvicorn's ANSI copy of msg
)


class Redactor:
    """Replaces secret values and credential-shaped substrings with [REDACTED]."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LEN}
        # longest first, so a secret containing another is removed whole
        self._values = tuple(sorted(values, key=len, reverse=True))
        self._value_re = (
            re.compile("|".join(re.escape(v) for v in self._values)) if self._values else None
        )

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, names: Iterable[str] = ()
    ) -> Redactor:
        """A redactor for the values of the named variables and of every secret-looking one."""
        env = os.environ if env is None else env
        wanted = {n for n in names if n}
        values = [v for k, v in env.items() if k in wanted or SECRET_ENV_NAME.search(k)]
        return cls(values)

    @property
    def values(self) -> tuple[str, ...]:
        """The secret values (longest first)."""
        return self._values

    def redact(self, text: str) -> str:
        """text with every known secret and credential-shaped substring replaced."""
        if self._value_re is not None:
            text = self._value_re.sub(REDACTED, text)
        for pattern, repl in _PATTERNS:
            text = pattern.sub(repl, text)
        return text

    def redact_value(self, value: Any) -> Any:
        """A JSON-able copy of value with every string redacted (containers walked)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, bytes):
            return self.redact(value.decode("utf-8", "replace"))
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for k, v in value.items():
                key = str(k)
                if re.fullmatch(rf"(?i){_HEADER_NAMES}|{_KEY_NAMES}", key):
                    out[key] = REDACTED
                else:
                    out[key] = self.redact_value(v)
            return out
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value(v) for v in value]
        return self.redact(repr(value))


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


def secret_env_names(cfg: Any) -> tuple[str, ...]:
    """The environment variable names a bot.config.Config points at for secrets."""
    names: list[str] = []
    gl = getattr(cfg, "gitlab", None)
    for attr in ("token_env", "webhook_secret_env", "signing_secret_env"):
        value = getattr(gl, attr, "") if gl is not None else ""
        if value:
            names.append(str(value))
    mail = getattr(cfg, "mail", None)
    for key, value in getattr(mail, "options", ()) or ():
        if str(key).endswith("_env") and value:
            names.append(str(value))
    return tuple(names)


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
