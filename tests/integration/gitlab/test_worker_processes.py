"""Worker processes: killed mid-job (kill -9) the job finishes after a restart; two workers
on a real Redis each run every job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakegitlab import FakeGitLab, mr_hook
from gitlabfix import ALICE, BOT, PID, Running, wait_until, write_config

from bot.commands.serve import build_service
from bot.config import load_config

ROOT = Path(__file__).resolve().parents[3]


def spawn_worker(cfg: Path, worker_id: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", "--config", str(cfg), "--id", worker_id,
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def threads_of(fake: FakeGitLab, iid: int) -> list[dict[str, Any]]:
    return [d for d in fake.discussions(PID, iid)
            if d["notes"][0]["author"]["id"] == BOT and "migcheck:fp=" in d["notes"][0]["body"]]


def summaries_of(fake: FakeGitLab, iid: int) -> list[dict[str, Any]]:
    return [n for n in fake.all_notes(PID, iid) if "migcheck:summary" in n["body"]]


def test_worker_killed_mid_job_finishes_after_restart(
    fake: FakeGitLab, service_factory: Any, tmp_path: Path
) -> None:
    service: Running = service_factory(workers=0, queue__visibility_timeout=2.0)
    cfg = Path(service.svc.cfg.source)
    fake.add_mr(PID, 7, author_id=ALICE, source="series")
    # The first inline comment hangs (then fails): the worker is mid-job when we kill it.
    hang = fake.add_fault("POST", r"/discussions$", status=502, delay=20.0, times=1)
    assert service.mr_event(fake).json()["status"] == "queued"
    w1 = spawn_worker(cfg, "w1")
    try:
        wait_until(lambda: hang.hits >= 1, 60)
        w1.send_signal(signal.SIGKILL)
        w1.wait(10)
    finally:
        stop(w1)
    [job] = service.jobs()
    assert job.state == "leased"
    fake.clear_faults()
    w2 = spawn_worker(cfg, "w2")
    try:
        service.wait_idle(60)
    finally:
        stop(w2)
    [job] = service.jobs()
    assert job.state == "done" and job.attempts == 2
    assert len(threads_of(fake, 7)) == 3 and len(summaries_of(fake, 7)) == 1
    head = fake.mrs[(PID, 7)].head
    assert [s["status"] for s in fake.statuses[(PID, head)]][-1] == "failed"


def test_two_workers_on_redis_run_each_job_once(
    fake: FakeGitLab, sample: Any, tmp_path: Path, redis_url: str, env: None
) -> None:
    import redis

    prefix = f"migcheck-test-{os.getpid()}-{id(tmp_path)}:"
    cfg_path = write_config(tmp_path / "redis.toml", fake.base_url, tmp_path / "state",
                            queue__url=redis_url, queue__prefix=prefix)
    svc = build_service(load_config(cfg_path))
    import httpx
    from gitlabfix import SECRET, ServerThread

    iids = list(range(10, 16))
    for iid in iids:
        fake.add_mr(PID, iid, author_id=ALICE, source="series")
    workers = [spawn_worker(cfg_path, f"r{i}") for i in range(2)]
    try:
        with ServerThread(svc.app) as server, httpx.Client(timeout=10) as client:
            for iid in iids:
                for _ in range(2):  # every delivery twice (different ids): same job
                    r = client.post(f"{server.url}/webhooks/gitlab",
                                    json=mr_hook(fake, PID, iid, "open"),
                                    headers={"X-Gitlab-Token": SECRET,
                                             "X-Gitlab-Event": "Merge Request Hook"})
                    assert r.status_code == 202
            wait_until(lambda: len(svc.queue.recent(100)) == len(iids)
                       and all(j.state == "done" for j in svc.queue.recent(100)), 120)
    finally:
        for w in workers:
            stop(w)
    jobs = svc.queue.recent(100)
    assert len(jobs) == len(iids) and all(j.attempts == 1 for j in jobs)
    runs = svc.state.history(100)
    assert sorted(r.job_id for r in runs) == sorted(j.id for j in jobs)  # each ran once
    assert {r.status for r in runs} == {"done"}
    for iid in iids:
        assert len(threads_of(fake, iid)) == 3 and len(summaries_of(fake, iid)) == 1
    svc.close()
    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(match=prefix + "*"))
    if keys:
        r.delete(*keys)


def test_two_web_replicas_on_redis_share_delivery_dedupe(
    fake: FakeGitLab, tmp_path: Path, redis_url: str, env: None
) -> None:
    import httpx
    import redis
    from gitlabfix import SECRET, ServerThread

    prefix = f"migcheck-test-replicas-{os.getpid()}-{id(tmp_path)}:"
    fake.add_mr(PID, 20, author_id=ALICE, source="series")
    answers = []
    services = []
    for n in range(2):
        cfg_path = write_config(tmp_path / f"r{n}.toml", fake.base_url, tmp_path / f"state{n}",
                                queue__url=redis_url, queue__prefix=prefix)
        services.append(build_service(load_config(cfg_path)))
    try:
        with ServerThread(services[0].app) as a, ServerThread(services[1].app) as b, \
                httpx.Client(timeout=10) as client:
            for server in (a, b, a):
                r = client.post(f"{server.url}/webhooks/gitlab",
                                json=mr_hook(fake, PID, 20, "open"),
                                headers={"X-Gitlab-Token": SECRET, "Idempotency-Key": "same-1",
                                         "X-Gitlab-Event": "Merge Request Hook"})
                answers.append(r.json()["status"])
    finally:
        for svc in services:
            svc.close()
        r2 = redis.Redis.from_url(redis_url)
        keys = list(r2.scan_iter(match=prefix + "*"))
        if keys:
            r2.delete(*keys)
    assert answers == ["queued", "duplicate", "duplicate"]


def test_serve_command_runs_web_and_worker_in_one_process(
    fake: FakeGitLab, tmp_path: Path, env: None
) -> None:
    import httpx
    from fakegitlab import free_port
    from gitlabfix import SECRET, wait_healthy

    port = free_port()
    cfg = write_config(tmp_path / "serve.toml", fake.base_url, tmp_path / "state",
                       service__port=port)
    fake.add_mr(PID, 30, author_id=ALICE, source="series")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(cfg),
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=10) as client:
            wait_healthy(client, url)
            r = client.post(f"{url}/webhooks/gitlab", json=mr_hook(fake, PID, 30, "open"),
                            headers={"X-Gitlab-Token": SECRET,
                                     "X-Gitlab-Event": "Merge Request Hook"})
            assert r.status_code == 202
            wait_until(lambda: len(summaries_of(fake, 30)) == 1, 60)
            status = client.get(f"{url}/status?format=json").json()
            wait_until(lambda: client.get(f"{url}/status?format=json").json()["queue_depth"]
                       == 0, 30)
        assert len(threads_of(fake, 30)) == 3
        assert status["jobs_by_state"]["failed"] == 0
    finally:
        stop(proc)
    assert proc.returncode == 0
