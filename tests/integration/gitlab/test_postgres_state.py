"""All state in one PostgreSQL database: two web replicas and two worker processes that share
no local file (each has its own state_dir, as on separate machines) run every job once, dedupe
deliveries across replicas, and both replicas report the same jobs and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fakegitlab import FakeGitLab, mr_hook
from gitlabfix import ALICE, PID, SECRET, ServerThread, wait_until, write_config
from test_worker_processes import spawn_worker, stop, summaries_of, threads_of

from bot.commands.serve import build_service
from bot.config import load_config
from bot.service.queue.sqlqueue import SqlQueue


def test_two_machines_share_state_and_queue_in_postgres(
    fake: FakeGitLab, sample: Any, tmp_path: Path, postgres_url: str, env: None
) -> None:
    cfgs = [
        write_config(tmp_path / f"m{n}.toml", fake.base_url, tmp_path / f"machine{n}",
                     service__state_url=postgres_url)
        for n in range(2)
    ]  # fmt: skip
    services = [build_service(load_config(c)) for c in cfgs]
    assert all(isinstance(s.queue, SqlQueue) and s.state.dialect == "postgresql" for s in services)
    iids = list(range(30, 36))
    for iid in iids:
        fake.add_mr(PID, iid, author_id=ALICE, source="series")
    workers = [spawn_worker(cfgs[n], f"pg{n}") for n in range(2)]
    answers: list[str] = []
    try:
        with ServerThread(services[0].app) as a, ServerThread(services[1].app) as b, \
                httpx.Client(timeout=10) as client:  # fmt: skip
            for iid in iids:
                # the same delivery to both replicas, then a redelivery with a new id
                for server, key in ((a, f"d-{iid}"), (b, f"d-{iid}"), (b, f"e-{iid}")):
                    r = client.post(
                        f"{server.url}/webhooks/gitlab",
                        json=mr_hook(fake, PID, iid, "open"),
                        headers={"X-Gitlab-Token": SECRET, "Idempotency-Key": key,
                                 "X-Gitlab-Event": "Merge Request Hook"},
                    )  # fmt: skip
                    assert r.status_code in (200, 202), r.text
                    answers.append(r.json()["status"])
            wait_until(
                lambda: len(services[1].queue.recent(100)) == len(iids)
                and all(j.state == "done" for j in services[1].queue.recent(100)),
                120,
            )
            status = [
                client.get(f"{s.url}/status", headers={"Accept": "application/json"}).json()
                for s in (a, b)
            ]
    finally:
        for w in workers:
            stop(w)
    assert answers.count("queued") == len(iids)  # one job per MR; the rest deduped
    jobs = services[0].queue.recent(100)
    assert len(jobs) == len(iids) and all(j.attempts == 1 for j in jobs)
    runs = services[1].state.history(100)
    assert sorted(r.job_id for r in runs) == sorted(j.id for j in jobs)  # each ran once
    assert {r.status for r in runs} == {"done"}
    for iid in iids:
        assert len(threads_of(fake, iid)) == 3 and len(summaries_of(fake, iid)) == 1
    assert status[0]["jobs_by_state"] == status[1]["jobs_by_state"]
    assert status[0]["jobs_by_state"]["done"] == len(iids)
    # no replica or worker wrote local state files: everything is in PostgreSQL
    local = [p.name for n in range(2) for p in (tmp_path / f"machine{n}").glob("*.sqlite3")]
    assert local == []
    for s in services:
        s.close()
