"""The --build sandbox through the running service: a merge request whose build step opens a
network socket, and one whose build writes outside its work dir, each get a failed build
reported in the `/check-migration --build` thread and a failed commit status; the job is
recorded as failed once (not retried), and the same service then reviews the next request.

Two shapes of the service: web app and worker in one process (the embedded SQLite queue, as
`migcheck serve` runs them), and the production shape of deploy/compose.yaml — a
`migcheck serve --no-worker` process and a `migcheck worker` process on a Redis queue, where
the worker process must still be alive (and must not have logged a traceback) afterwards.

The "network" is a listener on the host's loopback (reachable only from outside the sandbox's
network namespace); nothing leaves this machine. The tree is the tiny configure/ninja project
of tests/integration/artifacts (its `qemu-system-x86_64` runs Debian's QEMU)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakegitlab import FakeGitLab, free_port
from gitlabfix import (
    ALICE,
    BOT,
    BOT_TOKEN,
    PID,
    SECRET,
    STATUS_TOKEN,
    ServerThread,
    reply_to,
    wait_healthy,
    wait_until,
    write_config,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "artifacts"))
from art_buildfix import commit_all, git, make_project

from bot.artifacts.sandbox import probe
from bot.commands.serve import build_service
from bot.config import load_config

ROOT = Path(__file__).resolve().parents[3]
NET, WRITE, OK = 41, 42, 43  # merge request iids

GEN_NET = """python3 - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2)
    print("NET-OK")
except OSError as e:
    print("NET-BLOCKED", e, file=sys.stderr)
    raise SystemExit(3)
PY
"""


@dataclass
class Scene:
    """The project with one branch per merge request, served by the fake GitLab."""

    fake: FakeGitLab
    heads: dict[int, str]  # iid -> head commit
    listener: socket.socket  # the host-loopback "network" the build tries to reach
    target: Path  # the file the build tries to write outside its work dir
    tmp: Path


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    s = socket.create_server(("127.0.0.1", 0))
    s.settimeout(0.2)
    yield s
    s.close()


@pytest.fixture
def scene(tmp_path: Path, listener: socket.socket, env: None) -> Iterator[Scene]:
    assert probe(True).mode in ("bwrap", "bwrap-userns"), probe(True).describe()
    port = listener.getsockname()[1]
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "pwned"
    repo, base = make_project(tmp_path, units=1)
    git(repo, "branch", "-M", "master")
    heads = {
        NET: _branch(repo, "net", base, GEN_NET.replace("PORT", str(port)), "reach the network"),
        WRITE: _branch(repo, "write", base, f"echo x > {target} && echo wrote\n", "write out"),
        OK: _branch(repo, "ok", base, "echo still fine\n", "harmless build change"),
    }
    fake = FakeGitLab()
    fake.add_user(BOT, "migcheck-bot", BOT_TOKEN)
    fake.add_user(ALICE, "alice", "alice-token")
    fake.add_project(PID, "qemu-project/qemu", str(repo), members={BOT: 30, ALICE: 30})
    for iid, name in ((NET, "net"), (WRITE, "write"), (OK, "ok")):
        fake.add_mr(PID, iid, author_id=ALICE, source=name)
    with fake.serve():
        yield Scene(fake, heads, listener, target, tmp_path)


def _branch(repo: Path, name: str, base: str, gen: str, msg: str) -> str:
    git(repo, "checkout", "-q", "-B", name, base)
    (repo / "gen.sh").write_text(gen)
    head = commit_all(repo, msg)
    git(repo, "checkout", "-q", "master")
    return head


def _accepted(s: socket.socket) -> bool:
    try:
        conn, _ = s.accept()
    except (TimeoutError, OSError):
        return False
    conn.close()
    return True


def _thread_answer(fake: FakeGitLab, iid: int, note_id: int) -> str:
    return reply_to(fake, PID, iid, note_id, BOT)


def _drive(scene: Scene, url: str, client: httpx.Client) -> tuple[dict[int, str], dict[str, Any]]:
    """Both `--build` commands, then a plain one on the third MR; the thread answers and the
    final /status (JSON) of the service."""

    def command(iid: int, text: str) -> int:
        payload = scene.fake.user_note(PID, iid, ALICE, text)
        r = client.post(
            f"{url}/webhooks/gitlab",
            json=payload,
            headers={"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Note Hook"},
        )
        assert r.status_code == 202, r.text
        return int(payload["object_attributes"]["id"])

    answers: dict[int, str] = {}
    for iid in (NET, WRITE):
        note = command(iid, "/check-migration --build")
        answers[iid] = wait_until(lambda i=iid, n=note: _thread_answer(scene.fake, i, n), 300)
    note = command(OK, "/check-migration")
    answers[OK] = wait_until(lambda: _thread_answer(scene.fake, OK, note), 120)
    assert client.get(f"{url}/healthz").status_code == 200

    def settled() -> dict[str, Any] | None:
        # the reply is posted before the job's bookkeeping (history, ack): wait for that too
        st: dict[str, Any] = client.get(
            f"{url}/status",
            headers={"Accept": "application/json", "Authorization": f"Bearer {STATUS_TOKEN}"},
        ).json()
        runs = st["recent_runs"]
        done = len(runs) == 3 and all(r["finished_at"] for r in runs)
        return st if done and st["queue_depth"] == 0 and not st["jobs_by_state"]["leased"] else None

    return answers, wait_until(settled, 30)


def _check(scene: Scene, answers: dict[int, str], status: dict[str, Any]) -> None:
    assert not _accepted(scene.listener)  # nothing reached the host's network
    assert not scene.target.exists()  # nothing was written outside the work dir
    for iid in (NET, WRITE):
        text = answers[iid]
        first, _, output = text.partition("\n")
        assert "could not run this check" in first and "compile of head" in first, text
        assert output.startswith("\n```text\nFAILED: gen.out"), text  # the build's output
        statuses = scene.fake.statuses[(PID, scene.heads[iid])]
        assert statuses[-1]["status"] == "failed", statuses
    # the reply carries what the build printed: the sandbox's denial, not just "failed"
    assert "NET-BLOCKED" in answers[NET], answers[NET]
    # the dir outside is read-only, or (only the work dir is mounted) not there at all
    assert ("Read-only file system" in answers[WRITE]
            or "Directory nonexistent" in answers[WRITE]), answers[WRITE]
    assert "done" in answers[OK] and "could not run" not in answers[OK], answers[OK]
    jobs = status["recent_jobs"]
    failed = [j for j in jobs if j["state"] == "failed"]
    assert sorted(j["merge_request"] for j in failed) == [f"{PID}!{NET}", f"{PID}!{WRITE}"]
    assert all(j["attempts"] == 1 for j in failed), failed  # reported once, not retried
    runs = {(r["job"], r["status"]) for r in status["recent_runs"]}
    assert runs == {(j["id"], "failed" if j in failed else "done") for j in jobs}, runs
    for r in status["recent_runs"]:
        if r["status"] == "failed":
            assert r["detail"].startswith("BuildError: "), r["detail"]
    assert status["jobs_by_state"]["failed"] == 2 and status["jobs_by_state"]["done"] == 1
    assert status["queue_depth"] == 0


def test_blocked_builds_are_reported_and_the_service_goes_on(scene: Scene) -> None:
    cfg = write_config(scene.tmp / "m.toml", scene.fake.base_url, scene.tmp / "state")
    svc = build_service(load_config(cfg))
    svc.start_workers(1)
    try:
        with ServerThread(svc.app) as server, httpx.Client(timeout=10) as client:
            answers, status = _drive(scene, server.url, client)
        assert all(t.is_alive() for t in svc.workers)  # the worker thread went on
    finally:
        svc.close()
    _check(scene, answers, status)


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args, "--log-level", "warning"],
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def test_blocked_builds_in_the_production_shape_web_and_worker_processes(
    scene: Scene, redis_url: str
) -> None:
    import redis

    prefix = f"migcheck-test-sandbox-{os.getpid()}-{id(scene)}:"
    port = free_port()
    cfg = write_config(
        scene.tmp / "prod.toml",
        scene.fake.base_url,
        scene.tmp / "state",
        queue__url=redis_url,
        queue__prefix=prefix,
        service__port=port,
    )
    web_log, worker_log = scene.tmp / "web.log", scene.tmp / "worker.log"
    web = _spawn(["serve", "--config", str(cfg), "--no-worker"], web_log)
    worker = _spawn(["worker", "--config", str(cfg), "--id", "w1", "--no-mail"], worker_log)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=10) as client:

            wait_healthy(client, url)
            answers, status = _drive(scene, url, client)
        alive = worker.poll() is None and web.poll() is None
    finally:
        codes = (_stop(worker), _stop(web))
        r = redis.Redis.from_url(redis_url)
        keys = list(r.scan_iter(match=prefix + "*"))
        if keys:
            r.delete(*keys)
    logs = worker_log.read_text()
    assert alive, logs + web_log.read_text()  # both processes kept running
    assert codes == (0, 0), (codes, logs)
    _check(scene, answers, status)
    # the series' own failure is one warning line per job, never a traceback
    assert logs.count("failed: ") == 2 and "Traceback" not in logs, logs
