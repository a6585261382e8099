"""Delivering replies: an outbox folder of .eml files (dry-run, the default) or SMTP."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from pathlib import Path
from typing import Protocol

from bot.errors import ReporterError
from bot.mail.config import MailSettings


class Transport(Protocol):
    """Delivers one raw message to recipients; returns the status to record."""

    def deliver(self, raw: bytes, sender: str, recipients: tuple[str, ...],
                msgid: str) -> str: ...  # fmt: skip


class Outbox:
    """Dry-run: write each reply as `<outbox>/<msgid>.eml` (idempotent by Message-ID)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def deliver(self, raw: bytes, sender: str, recipients: tuple[str, ...], msgid: str) -> str:
        """Write the .eml file; returns 'dry-run'."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9._@-]", "_", msgid) + ".eml"
            tmp = self.folder / (name + ".tmp")
            tmp.write_bytes(raw)
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            raise ReporterError(
                f"cannot write to the outbox: {exc.strerror or exc}",
                input_name=str(self.folder),
                hint="set mail.outbox to a writable directory",
            ) from exc
        return "dry-run"


class Smtp:
    """smtplib delivery, STARTTLS when configured; one connection per reply."""

    def __init__(self, host: str, port: int, *, starttls: bool = True, user: str = "",
                 password: str = "", timeout: float = 30.0) -> None:  # fmt: skip
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.timeout = user, password, timeout

    def deliver(self, raw: bytes, sender: str, recipients: tuple[str, ...], msgid: str) -> str:
        """Send; ReporterError names the server on failure."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.sendmail(sender, list(recipients), re.sub(rb"\r?\n", b"\r\n", raw))
        except (OSError, smtplib.SMTPException) as exc:
            raise ReporterError(f"SMTP delivery failed: {exc}",
                                input_name=f"{self.host}:{self.port}",
                                hint="check mail.smtp_* settings; the reply stays queued and "
                                "is retried on the next poll") from exc  # fmt: skip
        return "sent"


def make_transport(settings: MailSettings) -> Transport:
    """SMTP when mail.smtp_host is set, else the outbox folder (dry-run)."""
    if settings.dry_run:
        return Outbox(settings.outbox or "outbox")
    password = os.environ.get(settings.smtp_password_env, "") if settings.smtp_password_env else ""
    return Smtp(settings.smtp_host, settings.smtp_port, starttls=settings.smtp_starttls,
                user=settings.smtp_user, password=password)  # fmt: skip
