"""[mail] settings: bot/config.py keeps the section's keys as given; this turns them into a
frozen dataclass and names a bad key (`mail.rate_limit_per_hour: expected an integer`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Config
from bot.errors import ConfigError

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How the mail poller reads the list and replies (see /work/coord/config-mail.md)."""

    enabled: bool = False
    inboxes: tuple[str, ...] = ()
    maildirs: tuple[str, ...] = ()
    repo: str = ""
    target_branch: str = "master"
    list_address: str = "qemu-devel@nongnu.org"
    from_address: str = "migcheck <migcheck@localhost>"
    msgid_domain: str = "migcheck.localhost"
    reply_to_all: bool = True
    reply_on_clean: bool = False
    min_severity: str = "warning"
    wait_complete: float = 3600.0
    rate_limit_per_hour: int = 30
    opt_out: tuple[str, ...] = ()
    allowed_senders: tuple[str, ...] = ()
    use_maintainers: bool = True
    # --build by mail: only these senders, only when their mail's DKIM signature verifies
    # for their own domain; empty: no builds by mail at all
    build_senders: tuple[str, ...] = ()
    commands_per_sender_per_hour: int = 6  # answered commands (refusals included)
    builds_per_sender_per_day: int = 3
    max_cc: int = 8  # original To/Cc copied on a reply, besides the author and the list
    max_body_bytes: int = 64 * 1024  # a reply's body is cut (with a note) past this
    outbox: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password_env: str = ""
    store: str = ""
    cache_dir: str = ""
    lookback_days: float = 30.0
    max_messages_per_poll: int = 0
    scan_prefixes: tuple[str, ...] = ("hw/", "target/", "migration/", "system/", "include/")

    @property
    def dry_run(self) -> bool:
        """True until an SMTP host is configured: replies go to the outbox folder."""
        return not self.smtp_host


def _coerce(key: str, value: Any, annotation: str, source: str) -> Any:
    def bad(what: str) -> ConfigError:
        return ConfigError(f"mail.{key}: {what}", input_name=source or None)

    if annotation == "bool":
        if not isinstance(value, bool):
            raise bad(f"expected true or false, got {value!r}")
        return value
    if annotation == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(f"expected an integer, got {value!r}")
        return value
    if annotation == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(f"expected a number, got {value!r}")
        return float(value)
    if annotation == "str":
        if not isinstance(value, str):
            raise bad(f"expected a string, got {value!r}")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"expected a list of strings, got {value!r}")
    return tuple(value)


def settings_from_mapping(raw: Mapping[str, Any], *, source: str = "") -> MailSettings:
    """MailSettings from the [mail] table; ConfigError names an unknown or mistyped key."""
    fields = {f.name: f for f in dataclasses.fields(MailSettings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"mail.{key}: unknown key", input_name=source or None,
                              hint="known keys: " + ", ".join(sorted(fields)))  # fmt: skip
        values[key] = _coerce(key, value, str(fields[key].type), source)
    s = MailSettings(**values)
    if s.min_severity not in SEVERITIES:
        raise ConfigError(f"mail.min_severity: expected one of {', '.join(SEVERITIES)}",
                          input_name=source or None)  # fmt: skip
    counts = {"rate_limit_per_hour": s.rate_limit_per_hour, "wait_complete": s.wait_complete,
              "commands_per_sender_per_hour": s.commands_per_sender_per_hour,
              "builds_per_sender_per_day": s.builds_per_sender_per_day, "max_cc": s.max_cc}
    for key, value in counts.items():
        if value < 0:
            raise ConfigError(f"mail.{key}: must be >= 0", input_name=source or None)
    if s.max_body_bytes < 4096:
        raise ConfigError("mail.max_body_bytes: must be >= 4096", input_name=source or None)
    return s


def mail_settings(cfg: Config) -> MailSettings:
    """MailSettings of a bot.config.Config (its [mail] placeholder: enabled + options)."""
    raw = dict(cfg.mail.options)
    raw["enabled"] = cfg.mail.enabled
    s = settings_from_mapping(raw, source=cfg.source)
    state = cfg.state_dir
    # The store follows service.state_url (one PostgreSQL database for all state) by default.
    return dataclasses.replace(
        s,
        outbox=s.outbox or str(state / "outbox"),
        store=s.store or cfg.service.state_url or str(state / "mail.sqlite3"),
        cache_dir=s.cache_dir or str(cfg.cache_dir),
    )
