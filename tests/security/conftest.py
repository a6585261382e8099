"""Fixtures of the attack tests: fake secrets in the bot's environment, the tiny
configure/ninja project of tests/integration/artifacts, and the loopback GitLab."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for sub in ("integration/artifacts", "integration/gitlab"):
    p = str(HERE.parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)

from gitlabfix import env  # noqa: E402,F401  (the loopback GitLab's secrets)
from secfix import FAKE_SECRETS  # noqa: E402


@pytest.fixture
def fake_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The bot's environment holds (fake) credentials, as a deployed worker's does."""
    for k, v in FAKE_SECRETS.items():
        monkeypatch.setenv(k, v)
    return dict(FAKE_SECRETS)
