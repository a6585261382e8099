"""One TOML file -> frozen dataclasses; secrets only from the environment.

    [gitlab]    url, token_env, webhook_secret_env, signing_secret_env, projects, timeout,
                bot_username
    [queue]     url ("" = embedded SQLite in the state dir; redis://...), password_env,
                visibility_timeout, max_attempts, job_timeout, max_crashes, backoff_base,
                backoff_max
    [service]   state_dir, listen, port, max_body_bytes, cache_dir, public_url, status_token_env,
                state_url
    [review]    max_inline_comments, status_name, fail_on, build_timeout, analysis_seconds,
                analysis_cpu_seconds, analysis_memory_mb, max_file_bytes, max_files,
                max_patches
    [commands]  min_access_level, allow_author, name
    [logging]   format ("text" | "json"), level (debug, info, warning, error, critical);
                a --log-format/--log-level flag, then MIGCHECK_LOG_FORMAT/MIGCHECK_LOG_LEVEL,
                win over these; "" = not set (text, info)
    [mail]      the mail poller's settings (bot/mail/config.py): extra keys are allowed there
    [[waiver]]  rule, path, entity, reason: findings accepted on purpose (bot/waivers.py)

Every other section or key is an error that names it (`service.stat_dir: unknown key`).
The file never holds secrets: it names the environment variables that do. A URL carrying a
password or a token (`redis://:pw@host`, `https://user:pw@gitlab`, in any key) is refused
with the key's name and without echoing the value.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.bounded import MIB, AnalysisLimits
from bot.errors import ConfigError
from bot.redact import redact
from bot.sqldb import is_postgres_url
from bot.waivers import Waiver, config_waivers

_LIMITS = AnalysisLimits()
ACCESS_LEVELS = {"guest": 10, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50}


@dataclass(frozen=True, slots=True)
class GitLabConfig:
    """Where GitLab is and which environment variables hold its secrets."""

    url: str = "https://gitlab.com"
    token_env: str = "MIGCHECK_GITLAB_TOKEN"
    webhook_secret_env: str = "MIGCHECK_WEBHOOK_SECRET"
    signing_secret_env: str = ""  # Standard Webhooks signing token (optional)
    projects: tuple[str, ...] = ()  # allow-list: ids or paths; empty = any project
    timeout: float = 30.0
    bot_username: str = ""  # notes by this user are ignored before any API call
    signature_tolerance: int = 300  # seconds a signed delivery's timestamp may be off


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """The job queue: embedded SQLite (url empty) or Redis."""

    url: str = ""
    password_env: str = ""  # environment variable holding the Redis password, if any
    visibility_timeout: float = 600.0
    max_attempts: int = 10
    # a job's lease is extended for at most this long; past it the lease expires as if the
    # worker had died (must exceed review.build_timeout + review.analysis_seconds)
    job_timeout: float = 10800.0
    # a job whose lease expired this many times (worker killed, OOM, hung past job_timeout)
    # is parked: not run again, its status failed and the author told once
    max_crashes: int = 2
    backoff_base: float = 5.0
    backoff_max: float = 600.0
    poll_interval: float = 0.5
    prefix: str = "migcheck:q:"  # Redis key prefix (several deployments on one Redis)

    def password(self) -> str | None:
        """The Redis password from the variable named by password_env (None when unset)."""
        if not self.password_env:
            return None
        return os.environ.get(self.password_env) or None


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The web service and where it keeps its state."""

    state_dir: str = "/var/lib/migcheck"
    listen: str = "127.0.0.1"
    port: int = 8080
    # GitLab sends deliveries up to 25 MiB (web_hook_service.rb REQUEST_BODY_SIZE_LIMIT); an
    # MR description alone may be 1 MiB, twice in `changes`. Only authenticated bodies are read.
    max_body_bytes: int = 25 * 1024 * 1024
    cache_dir: str = ""  # index cache; empty = <state_dir>/cache
    public_url: str = ""  # base URL of /status, used as the commit status target_url
    # env var holding a token for GET /status details (errors, run details); "" or an unset
    # variable: /status is public and shows no error text
    status_token_env: str = ""
    # "" = SQLite files in state_dir; postgresql://user@host:port/db = one PostgreSQL database
    # for the state DB, the mail store and (unless queue.url is Redis) the job queue, shared by
    # web and workers on several machines. Password from PGPASSWORD or ~/.pgpass, never here.
    state_url: str = ""


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    """How findings are posted on a merge request."""

    max_inline_comments: int = 10
    status_name: str = "migration-compat"
    fail_on: str = "error"  # error | warning | never: the commit status verdict
    build_timeout: float = 7200.0
    # source analysis of a series (bot.bounded): a child process with these limits, and
    # input caps checked first; over one, the verdict is "too large to review: <limit>"
    analysis_seconds: float = _LIMITS.seconds
    analysis_cpu_seconds: int = _LIMITS.cpu_seconds  # 0: the wall-clock limit
    analysis_memory_mb: int = _LIMITS.memory // MIB
    max_file_bytes: int = _LIMITS.max_file_bytes  # one changed .c/.h file
    max_files: int = _LIMITS.max_files  # changed files
    max_patches: int = _LIMITS.max_patches  # commits, merged-in ones included

    def analysis_limits(self) -> AnalysisLimits:
        """The limits of one source analysis (bot.bounded)."""
        return AnalysisLimits(self.analysis_seconds, self.analysis_cpu_seconds,
                              self.analysis_memory_mb * MIB, self.max_file_bytes,
                              self.max_files, self.max_patches)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CommandsConfig:
    """Who may run `/check-migration`."""

    name: str = "check-migration"
    min_access_level: int = 30  # Developer
    allow_author: bool = False


@dataclass(frozen=True, slots=True)
class MailConfig:
    """The mail poller's table: `enabled`, the rest kept as given (bot/mail/config.py)."""

    enabled: bool = False
    options: tuple[tuple[str, Any], ...] = ()


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """Log format and level of the service processes ("" = not set here)."""

    format: str = ""
    level: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration file."""

    gitlab: GitLabConfig = field(default_factory=GitLabConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    commands: CommandsConfig = field(default_factory=CommandsConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    waivers: tuple[Waiver, ...] = ()  # [[waiver]] tables
    source: str = ""  # the file it was read from

    @property
    def state_dir(self) -> Path:
        """The state directory (SQLite queue and state DB, git mirrors, caches)."""
        return Path(self.service.state_dir)

    @property
    def state_target(self) -> str:
        """Where the state DB lives: the PostgreSQL URL, or the SQLite file in state_dir."""
        return self.service.state_url or str(self.state_dir / "state.sqlite3")

    @property
    def cache_dir(self) -> Path:
        """The whole-tree index cache directory."""
        return Path(self.service.cache_dir) if self.service.cache_dir else self.state_dir / "cache"

    def secret(self, env_name: str, *, what: str, required: bool = True) -> str:
        """The secret held by environment variable env_name; ConfigError when missing."""
        value = os.environ.get(env_name, "") if env_name else ""
        if required and not value:
            raise ConfigError(
                f"{what}: environment variable {env_name or '(none configured)'} is not set",
                input_name=self.source or None,
                hint=f"export {env_name or 'the variable'}=... (secrets never go in the file)",
            )
        return value

    def gitlab_token(self) -> str:
        """The GitLab API token (from gitlab.token_env)."""
        return self.secret(self.gitlab.token_env, what="gitlab.token_env")

    def webhook_secret(self) -> str:
        """The shared X-Gitlab-Token secret (from gitlab.webhook_secret_env)."""
        return self.secret(self.gitlab.webhook_secret_env, what="gitlab.webhook_secret_env")

    def signing_secret(self) -> str:
        """The Standard Webhooks signing token, or '' when not configured."""
        if not self.gitlab.signing_secret_env:
            return ""
        return self.secret(
            self.gitlab.signing_secret_env, what="gitlab.signing_secret_env", required=False
        )


_SECTIONS: dict[str, type[Any]] = {
    "gitlab": GitLabConfig,
    "queue": QueueConfig,
    "service": ServiceConfig,
    "review": ReviewConfig,
    "commands": CommandsConfig,
    "logging": LoggingConfig,
}
_SECRET_LOOKING = ("token", "secret", "password")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


def _bad(source: str, key: str, what: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"{key}: {what}", input_name=source or None, hint=hint)


def _coerce(source: str, key: str, value: Any, annotation: str, default: Any) -> Any:
    """value checked against the field's declared type (annotations are strings here)."""
    if annotation == "bool":
        if not isinstance(value, bool):
            raise _bad(source, key, f"expected true or false, got {value!r}")
        return value
    if annotation == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(source, key, f"expected an integer, got {value!r}")
        return value
    if annotation == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(source, key, f"expected a number, got {value!r}")
        return float(value)
    if annotation == "str":
        if not isinstance(value, str):
            raise _bad(source, key, f"expected a string, got {value!r}")
        return value
    if annotation.startswith("tuple[str"):
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise _bad(source, key, f"expected a list of strings, got {value!r}")
        return tuple(str(v) for v in value)
    return value  # pragma: no cover - every declared type is handled above


def _section(source: str, name: str, cls: type[Any], raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        raise _bad(source, name, "expected a table ([" + name + "])")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        full = f"{name}.{key}"
        if key not in fields:
            hint = "known keys: " + ", ".join(sorted(fields))
            if any(s in key for s in _SECRET_LOOKING) and not key.endswith("_env"):
                hint = f'secrets come from the environment: use {key}_env = "VAR_NAME"'
            raise _bad(source, full, "unknown key", hint)
        f = fields[key]
        values[key] = _coerce(source, full, value, str(f.type), f.default)
    return cls(**values)


def _url_credentials(value: str) -> str:
    """'' when value holds no credentials, else what it holds ('a password', 'a token')."""
    for m in _URL.finditer(value):
        url = m.group(0)
        rest = url.split("://", 1)[1]
        if "@" not in rest:
            continue
        try:
            parts = urlsplit(url)
            password, username = parts.password, parts.username or ""
        except ValueError:  # e.g. a broken [IPv6] host: judge the raw text below
            password, username = None, ""
        # urlsplit ends the authority at the first '/', so `redis://u:pa/ss@host` has no
        # password for it; the raw text does (unless what follows ':' is a port number).
        userinfo = rest.split("@", 1)[0]
        if password is None and ":" in userinfo:
            after = userinfo.split(":", 1)[1].split("/", 1)[0]
            if not after.isdigit():
                password = after
        if password is not None:
            return "a password"
        if username and redact(username, env={}) != username:
            return "a token"
    return ""


def _check_no_url_credentials(src: str, data: Any, key: str = "") -> None:
    """Refuse credentials in any URL anywhere in the file, naming the key, never the value."""
    if isinstance(data, Mapping):
        for k, v in data.items():
            _check_no_url_credentials(src, v, f"{key}.{k}" if key else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _check_no_url_credentials(src, v, f"{key}[{i}]")
    elif isinstance(data, str) and "://" in data:
        what = _url_credentials(data)
        if what:
            raise _bad(
                src,
                key,
                f"secrets do not belong in the file: the URL carries {what} (not shown)",
                "drop it from the URL and give it through the environment (queue.password_env "
                "for Redis, PGPASSWORD or ~/.pgpass for PostgreSQL)",
            )


def _validate_state_url(src: str, url: str) -> None:
    if not url:
        return
    if not is_postgres_url(url):
        raise _bad(
            src,
            "service.state_url",
            f"unsupported state URL {redact(url)!r}",
            'use "" (SQLite files in state_dir) or postgresql://user@host:5432/dbname',
        )
    if urlsplit(url).password is not None:
        raise _bad(
            src,
            "service.state_url",
            "secrets do not belong in the file: the URL carries a password",
            "drop it from the URL and set PGPASSWORD in the environment (or use ~/.pgpass)",
        )


def _validate(cfg: Config) -> None:
    src = cfg.source
    url = cfg.queue.url
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise _bad(src, "queue.url", f"unsupported queue URL {redact(url)!r}", 'use "" or redis://host')
    _validate_state_url(src, cfg.service.state_url)
    if cfg.logging.format.lower() not in ("", *LOG_FORMATS):
        raise _bad(src, "logging.format", f"expected one of {', '.join(LOG_FORMATS)}, got "
                   f"{cfg.logging.format!r}")  # fmt: skip
    if cfg.logging.level.lower() not in ("", *LOG_LEVELS):
        raise _bad(src, "logging.level", f"expected one of {', '.join(LOG_LEVELS)}, got "
                   f"{cfg.logging.level!r}")  # fmt: skip
    if cfg.review.fail_on not in ("error", "warning", "never"):
        raise _bad(
            src, "review.fail_on", f"expected error, warning or never, got {cfg.review.fail_on!r}"
        )
    if cfg.review.max_inline_comments < 0:
        raise _bad(src, "review.max_inline_comments", "must be >= 0")
    if cfg.commands.min_access_level not in ACCESS_LEVELS.values():
        raise _bad(
            src,
            "commands.min_access_level",
            f"{cfg.commands.min_access_level} is not a GitLab access level",
            "10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner",
        )
    if not cfg.gitlab.url.startswith(("http://", "https://")):
        raise _bad(src, "gitlab.url", f"expected an http(s) URL, got {redact(cfg.gitlab.url)!r}")
    if cfg.service.max_body_bytes <= 0:
        raise _bad(src, "service.max_body_bytes", "must be > 0")
    for key in ("visibility_timeout", "backoff_base", "backoff_max", "poll_interval"):
        if getattr(cfg.queue, key) <= 0:
            raise _bad(src, f"queue.{key}", "must be > 0")
    if cfg.queue.max_attempts < 1:
        raise _bad(src, "queue.max_attempts", "must be >= 1")
    if cfg.queue.max_crashes < 1:
        raise _bad(src, "queue.max_crashes", "must be >= 1")
    for key in ("build_timeout", "analysis_seconds", "analysis_memory_mb", "max_file_bytes",
                "max_files", "max_patches"):
        if getattr(cfg.review, key) <= 0:
            raise _bad(src, f"review.{key}", "must be > 0")
    if cfg.review.analysis_cpu_seconds < 0:
        raise _bad(src, "review.analysis_cpu_seconds", "must be >= 0 (0: the wall-clock limit)")
    need = cfg.review.build_timeout + cfg.review.analysis_seconds
    if cfg.queue.job_timeout <= need:
        raise _bad(src, "queue.job_timeout", f"must exceed review.build_timeout + "
                   f"review.analysis_seconds ({need:g} s)")  # fmt: skip


def parse_config(data: Mapping[str, Any], *, source: str = "") -> Config:
    """A Config from parsed TOML; ConfigError names the first bad key."""
    _check_no_url_credentials(source, data)
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        if name == "waiver":
            sections["waivers"] = config_waivers(raw, source=source)
            continue
        if name == "mail":
            if not isinstance(raw, Mapping):
                raise _bad(source, "mail", "expected a table ([mail])")
            enabled = raw.get("enabled", False)
            if not isinstance(enabled, bool):
                raise _bad(source, "mail.enabled", f"expected true or false, got {enabled!r}")
            for key in raw:
                if any(s in key for s in _SECRET_LOOKING) and not key.endswith("_env"):
                    raise _bad(
                        source,
                        f"mail.{key}",
                        "secrets do not belong in the file",
                        f'use {key}_env = "VAR_NAME"',
                    )
            opts = tuple(sorted((k, v) for k, v in raw.items() if k != "enabled"))
            sections["mail"] = MailConfig(enabled=enabled, options=opts)
            continue
        cls = _SECTIONS.get(name)
        if cls is None:
            raise _bad(
                source,
                name,
                "unknown section",
                "known sections: " + ", ".join(sorted([*_SECTIONS, "mail", "waiver"])),
            )
        sections[name] = _section(source, name, cls, raw)
    cfg = Config(**sections, source=source)
    _validate(cfg)
    return cfg


def read_toml(path: str | Path, what: str, hint: str) -> dict[str, Any]:
    """A TOML file's tables; ConfigError (exit 2) when it cannot be read or parsed."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the {what}: {exc.strerror or exc}", input_name=str(p), hint=hint
        ) from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", input_name=str(p)) from exc


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file; ConfigError (exit 2) names the bad key."""
    data = read_toml(path, "configuration", "pass --config FILE (see deploy/migcheck.example.toml)")
    return parse_config(data, source=str(path))
