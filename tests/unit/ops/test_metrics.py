"""bot.service.metrics on explicit registries, scraped through a real Starlette app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.config import QueueConfig
from bot.findings import Severity
from bot.service.metrics import Metrics, metrics_route
from bot.service.queue import open_queue


@dataclass
class F:
    rule: str
    severity: Severity


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _scrape(m: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    app = Starlette(routes=[metrics_route(m.registry)])
    with TestClient(app) as client:
        r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return _samples(r.text)


def test_registries_are_independent() -> None:
    a = Metrics.create(CollectorRegistry())
    b = Metrics.create(CollectorRegistry())  # no duplicate-registration error: no globals
    a.webhook_delivery("queued")
    assert _scrape(a)[("migcheck_webhook_deliveries_total", (("outcome", "queued"),))] == 1
    assert ("migcheck_webhook_deliveries_total", (("outcome", "queued"),)) not in _scrape(b)


def test_counters_and_histogram() -> None:
    m = Metrics.create(CollectorRegistry())
    for outcome in ("queued", "queued", "duplicate", "unauthorized", "made-up"):
        m.webhook_delivery(outcome)
    m.observe_job("review", "done", 3.0)
    with m.time_job("command") as t:
        t.outcome = "failed"
    with pytest.raises(RuntimeError), m.time_job("review"):
        raise RuntimeError("boom")
    n = m.count_findings(
        [F("MIG001", Severity.ERROR), F("MIG001", Severity.ERROR), F("MIG020", Severity.NOTE)]
    )
    m.mail_sent(2)
    m.mail_suppressed("rate_limit")
    m.mail_suppressed("anything else")
    s = _scrape(m)
    assert n == 3
    d = "migcheck_webhook_deliveries_total"
    assert s[(d, (("outcome", "queued"),))] == 2
    assert s[(d, (("outcome", "duplicate"),))] == 1
    assert s[(d, (("outcome", "other"),))] == 1
    h = "migcheck_job_duration_seconds"
    assert s[(h + "_count", (("kind", "review"), ("outcome", "done")))] == 1
    assert s[(h + "_sum", (("kind", "review"), ("outcome", "done")))] == 3.0
    assert s[(h + "_bucket", (("kind", "review"), ("le", "5.0"), ("outcome", "done")))] == 1
    assert s[(h + "_count", (("kind", "review"), ("outcome", "crashed")))] == 1
    assert s[("migcheck_jobs_finished_total", (("kind", "command"), ("outcome", "failed")))] == 1
    f = "migcheck_findings_total"
    assert s[(f, (("rule", "MIG001"), ("severity", "error")))] == 2
    assert s[(f, (("rule", "MIG020"), ("severity", "note")))] == 1
    assert s[("migcheck_mail_total", (("outcome", "sent"), ("reason", "")))] == 2
    assert s[("migcheck_mail_total", (("outcome", "suppressed"), ("reason", "rate_limit")))] == 1
    assert s[("migcheck_mail_total", (("outcome", "suppressed"), ("reason", "other")))] == 1


def test_jobs_by_state_from_a_real_queue(tmp_path: Path) -> None:
    q = open_queue(QueueConfig(), tmp_path)
    try:
        for i in range(3):
            q.enqueue(
                slot=f"1!{i}:review",
                mr_key=f"1!{i}",
                kind="review",
                payload={"i": i},
                dedupe_key=f"k{i}",
            )
        lease = q.lease("w1")
        assert lease is not None
        q.ack(lease, "done")
        m = Metrics.create(CollectorRegistry())
        m.track_queue(q.counts)
        s = _scrape(m)
    finally:
        q.close()
    assert s[("migcheck_jobs", (("state", "queued"),))] == 2
    assert s[("migcheck_jobs", (("state", "done"),))] == 1
    assert s[("migcheck_jobs", (("state", "leased"),))] == 0
    assert s[("migcheck_queue_up", ())] == 1


def test_broken_queue_reports_down_not_500() -> None:
    def counts() -> dict[str, int]:
        raise ConnectionError("redis is gone")

    m = Metrics.create(CollectorRegistry())
    m.track_queue(counts)
    s = _scrape(m)
    assert s[("migcheck_queue_up", ())] == 0


def test_service_app_serves_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real webhook app: each delivery outcome is counted, jobs by state come from the queue."""
    from bot.commands.serve import build_service
    from bot.config import parse_config

    monkeypatch.setenv("OPS_METRICS_SECRET", "metrics-secret")
    cfg = parse_config(
        {
            "service": {"state_dir": str(tmp_path), "max_body_bytes": 1000},
            "gitlab": {"webhook_secret_env": "OPS_METRICS_SECRET"},
        }
    )
    svc = build_service(cfg)
    hook = {
        "object_kind": "merge_request",
        "project": {"id": 1},
        "object_attributes": {"iid": 2, "action": "open", "state": "opened",
                              "target_project_id": 1, "last_commit": {"id": "abc"}},
    }  # fmt: skip
    ok = {"X-Gitlab-Token": "metrics-secret", "X-Gitlab-Event": "Merge Request Hook"}
    try:
        with TestClient(svc.app) as c:
            assert (
                c.post("/webhooks/gitlab", json=hook, headers={"X-Gitlab-Token": "no"}).status_code
                == 401
            )
            assert c.post("/webhooks/gitlab", content=b"{", headers=ok).status_code == 400
            assert c.post("/webhooks/gitlab", content=b"x" * 2000, headers=ok).status_code == 413
            h1 = {**ok, "Idempotency-Key": "d1"}
            assert c.post("/webhooks/gitlab", json=hook, headers=h1).json()["status"] == "queued"
            assert c.post("/webhooks/gitlab", json=hook, headers=h1).json()["status"] == "duplicate"
            note = {"object_kind": "note", "object_attributes": {"noteable_type": "Issue"}}
            assert c.post("/webhooks/gitlab", json=note, headers=ok).json()["status"] == "ignored"
            r = c.get("/metrics")
    finally:
        svc.close()
    s = _samples(r.text)
    d = "migcheck_webhook_deliveries_total"
    for outcome in ("unauthorized", "bad_request", "too_large", "queued", "duplicate", "ignored"):
        assert s[(d, (("outcome", outcome),))] == 1, outcome
    assert s[("migcheck_jobs", (("state", "queued"),))] == 1


def test_worker_metrics_server_on_loopback() -> None:
    """`migcheck worker --metrics-port`: prometheus_client's HTTP server on the registry."""
    import socket
    import urllib.request

    from bot.service.metrics import start_metrics_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    m = Metrics.create(CollectorRegistry())
    m.observe_job("review", "done", 1.5)
    server = start_metrics_server(m.registry, port)
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
    finally:
        if isinstance(server, tuple):
            server[0].shutdown()
    s2 = _samples(text.decode())
    key = ("migcheck_jobs_finished_total", (("kind", "review"), ("outcome", "done")))
    assert s2[key] == 1
