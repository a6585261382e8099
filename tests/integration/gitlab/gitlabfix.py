"""Test helpers and fixtures (re-exported by conftest.py): a sample QEMU-shaped
repository with a 3-patch series, the fake GitLab on loopback, and the real migcheck
service (uvicorn + in-process worker) in front of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fakegitlab import FakeGitLab, ServerThread, free_port, mr_hook  # noqa: E402

from bot.commands.serve import Service, build_service  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.sample import build_sample_repo, examples_dir  # noqa: E402

SECRET = "s3cret-hook-token"
STATUS_TOKEN = "status-token"
BOT_TOKEN = "bot-api-token"
PID, IID = 42, 7
BOT, ALICE, MALLORY, RITA = 1, 2, 3, 4
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Example", "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Example", "GIT_COMMITTER_EMAIL": "ada@example.org",
}
PATCHES = sorted((examples_dir() / "sample-series").glob("000[1-9]*.patch"))


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                         text=True, env=env)
    return out.stdout.strip()


class SampleRepo:
    """examples/sample-base as `master`, the sample series (or variants) on `series`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        build_sample_repo(examples_dir() / "sample-base", path)
        self.apply("series", PATCHES)

    def apply(self, branch: str, patches: list[Path]) -> str:
        git(self.path, "checkout", "-q", "-B", branch, "master")
        if patches:
            git(self.path, "am", "-3", "-q", *map(str, patches))
        head = git(self.path, "rev-parse", "HEAD")
        git(self.path, "checkout", "-q", "master")
        return head

    def commit_on(self, branch: str, path: str, text: str, msg: str) -> str:
        git(self.path, "checkout", "-q", branch)
        (self.path / path).write_text(text)
        git(self.path, "add", path)
        git(self.path, "commit", "-q", "-m", msg)
        head = git(self.path, "rev-parse", "HEAD")
        git(self.path, "checkout", "-q", "master")
        return head


@pytest.fixture
def sample(tmp_path: Path) -> SampleRepo:
    return SampleRepo(tmp_path / "qemu")


@pytest.fixture
def fake(sample: SampleRepo) -> Iterator[FakeGitLab]:
    gl = FakeGitLab()
    gl.add_user(BOT, "migcheck-bot", BOT_TOKEN)
    gl.add_user(ALICE, "alice", "alice-token")
    gl.add_user(MALLORY, "mallory", "mallory-token")
    gl.add_user(RITA, "rita", "rita-token")
    gl.add_project(PID, "qemu-project/qemu", str(sample.path),
                   members={BOT: 30, ALICE: 30, RITA: 20})
    with gl.serve():
        yield gl


def write_config(path: Path, gitlab_url: str, state_dir: Path, **overrides: Any) -> Path:
    sections: dict[str, dict[str, Any]] = {
        "gitlab": {"url": gitlab_url, "token_env": "MIGCHECK_TEST_GL_TOKEN",
                   "webhook_secret_env": "MIGCHECK_TEST_HOOK_SECRET",
                   "signing_secret_env": "MIGCHECK_TEST_SIGNING", "timeout": 10.0,
                   "projects": ["qemu-project/qemu"], "bot_username": "migcheck-bot"},
        "queue": {"visibility_timeout": 30.0, "backoff_base": 0.2, "backoff_max": 1.0,
                  "poll_interval": 0.05, "max_attempts": 6},
        "service": {"state_dir": str(state_dir), "max_body_bytes": 256 * 1024,
                    "status_token_env": "MIGCHECK_TEST_STATUS_TOKEN"},
        "review": {"max_inline_comments": 10},
        "commands": {},
    }
    for key, value in overrides.items():
        sec, name = key.split("__", 1)
        sections[sec][name] = value
    lines = []
    for sec, vals in sections.items():
        lines.append(f"[{sec}]")
        for k, v in vals.items():
            lines.append(f"{k} = {json.dumps(v)}")
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Running:
    """The service under test."""

    svc: Service
    url: str
    client: httpx.Client

    def hook(self, payload: dict[str, Any], event: str, *, token: str | None = SECRET,
             delivery: str | None = None, headers: dict[str, str] | None = None
             ) -> httpx.Response:
        h = {"X-Gitlab-Event": event, "Content-Type": "application/json",
             "Idempotency-Key": delivery or str(uuid.uuid4())}
        if token is not None:
            h["X-Gitlab-Token"] = token
        h.update(headers or {})
        return self.client.post(f"{self.url}/webhooks/gitlab", content=json.dumps(payload),
                                headers=h)

    def mr_event(self, fake: FakeGitLab, action: str = "open", **kw: Any) -> httpx.Response:
        return self.hook(mr_hook(fake, PID, IID, action), "Merge Request Hook", **kw)

    def jobs(self) -> list[Any]:
        return self.svc.queue.recent(1000)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Until every job is finished (done/failed/superseded)."""
        wait_until(lambda: self.jobs() and all(
            j.state in ("done", "failed", "superseded") for j in self.jobs()), timeout)


def reply_to(fake: FakeGitLab, pid: int, iid: int, note_id: int, bot: int = 1) -> str:
    """The bot's final answer to the command note `note_id` ('' while there is none)."""
    for n in fake.all_notes(pid, iid):
        if n["author"]["id"] == bot and f"migcheck:reply note={note_id} step=" in n["body"]:
            if "step=refused" in n["body"] or "step=end" in n["body"]:
                return str(n["body"])
    return ""


def wait_healthy(client: httpx.Client, url: str, timeout: float = 30.0) -> None:
    """Until the service at `url` answers /healthz with 200."""

    def up() -> bool:
        try:
            return client.get(f"{url}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    wait_until(up, timeout)


def wait_until(cond: Callable[[], Any], timeout: float = 30.0, step: float = 0.05) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCHECK_TEST_GL_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("MIGCHECK_TEST_HOOK_SECRET", SECRET)
    monkeypatch.setenv("MIGCHECK_TEST_SIGNING", "whsec_c2lnbmluZy1zZWNyZXQ=")
    monkeypatch.setenv("MIGCHECK_TEST_STATUS_TOKEN", STATUS_TOKEN)


@pytest.fixture
def service_factory(tmp_path: Path, fake: FakeGitLab, env: None
                    ) -> Iterator[Callable[..., Running]]:
    started: list[tuple[Service, ServerThread, httpx.Client]] = []

    def start(*, workers: int = 1, **overrides: Any) -> Running:
        state_dir = tmp_path / f"state{len(started)}"
        cfg_path = write_config(tmp_path / f"migcheck{len(started)}.toml", fake.base_url,
                                state_dir, **overrides)
        svc = build_service(load_config(cfg_path))
        server = ServerThread(svc.app).__enter__()
        if workers:
            svc.start_workers(workers)
        client = httpx.Client(timeout=10)
        started.append((svc, server, client))
        return Running(svc, server.url, client)

    yield start
    for svc, server, client in started:
        client.close()
        server.__exit__(None, None, None)
        svc.close()


@pytest.fixture
def service(service_factory: Callable[..., Running]) -> Running:
    return service_factory()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """MIGCHECK_TEST_REDIS_URL, else a redis-server we start on a free loopback port."""
    url = os.environ.get("MIGCHECK_TEST_REDIS_URL")
    if url:
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        import redis

        r = redis.Redis(port=port)
        wait_until(lambda: _ping(r), 10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def _ping(r: Any) -> bool:
    try:
        return bool(r.ping())
    except Exception:
        return False
