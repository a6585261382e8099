"""Fixtures of the GitLab service tests (defined in gitlabfix.py)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from gitlabfix import env, fake, redis_url, sample, service, service_factory  # noqa: E402

__all__ = ["env", "fake", "redis_url", "sample", "service", "service_factory"]
