"""Fixtures for the mail bot: a real SMTP server on loopback (aiosmtpd) and the sample repo."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "mail"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from smtpfix import Sink, serve_smtp


@pytest.fixture
def smtp_server() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    with serve_smtp(sink) as port:
        yield sink, port
