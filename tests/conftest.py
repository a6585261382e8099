"""Fixtures shared by every test directory: a fresh PostgreSQL database per test, a Redis."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of a PostgreSQL maintenance DB: MIGCHECK_TEST_POSTGRES_URL (set by scripts/test),
    else a throwaway cluster started by scripts/pg-test-server."""
    url = os.environ.get("MIGCHECK_TEST_POSTGRES_URL")
    if url:
        return url
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg-test-server")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, f"PostgreSQL is required for these tests: {out.stderr}"
    return out.stdout.strip()


def _with_db(url: str, name: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database for one test (dropped afterwards, connections and all)."""
    name = "mc_" + secrets.token_hex(6)
    with psycopg.connect(postgres_server, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    yield _with_db(postgres_server, name)
    with psycopg.connect(postgres_server, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """URL of a Redis: MIGCHECK_TEST_REDIS_URL (set by scripts/test), else a redis-server
    started here on a free loopback port. Tests use key prefixes of their own."""
    url = os.environ.get("MIGCHECK_TEST_REDIS_URL")
    if url:
        yield url
        return
    exe = shutil.which("redis-server")
    assert exe is not None, "redis-server is required (apt-get install redis-server)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    r = redis.Redis(port=port)
    for _ in range(200):
        try:
            r.ping()
            break
        except Exception:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)
