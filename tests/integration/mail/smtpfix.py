"""A real SMTP server on loopback for the mail tests: aiosmtpd handler keeping messages."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class Received:
    """One SMTP transaction the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def msg(self) -> EmailMessage:
        m = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(m, EmailMessage)
        return m

    @property
    def body(self) -> str:
        part = self.msg.get_body(preferencelist=("plain",))
        assert part is not None
        text: str = part.get_content()  # type: ignore[attr-defined]
        return text


@dataclass
class Sink:
    """aiosmtpd handler keeping every message."""

    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.got.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                )
            )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_smtp(handler: Any) -> Iterator[int]:
    """Run an aiosmtpd server with `handler` on a free loopback port; yields the port."""
    from aiosmtpd.controller import Controller

    port = _free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield port
    finally:
        ctl.stop()
