"""The --build sandbox through the running service: a merge request whose build step opens a
network socket, and one whose build writes outside its work dir, each get a failed build
reported in the `/check-migration --build` thread and a failed commit status; the job is
recorded as failed once (not retried), and the same service then reviews the next request.

The "network" is a listener on the host's loopback (reachable only from outside the sandbox's
network namespace); nothing leaves this machine. The tree is the tiny configure/ninja project
of tests/integration/artifacts (its `qemu-system-x86_64` runs Debian's QEMU)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakegitlab import FakeGitLab
from gitlabfix import (
    ALICE,
    BOT,
    BOT_TOKEN,
    PID,
    SECRET,
    ServerThread,
    wait_until,
    write_config,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "artifacts"))
from art_buildfix import commit_all, git, make_project

from bot.artifacts.sandbox import probe
from bot.commands.serve import build_service
from bot.config import load_config

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


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    s = socket.create_server(("127.0.0.1", 0))
    s.settimeout(0.2)
    yield s
    s.close()


def _accepted(s: socket.socket) -> bool:
    try:
        conn, _ = s.accept()
    except (TimeoutError, OSError):
        return False
    conn.close()
    return True


def _branch(repo: Path, name: str, base: str, gen: str, msg: str) -> str:
    git(repo, "checkout", "-q", "-B", name, base)
    (repo / "gen.sh").write_text(gen)
    head = commit_all(repo, msg)
    git(repo, "checkout", "-q", "master")
    return head


def _thread_answer(fake: FakeGitLab, iid: int, note_id: int) -> str:
    for d in fake.discussions(PID, iid):
        notes = d["notes"]
        if notes[0]["id"] == note_id and len(notes) > 1 and notes[-1]["author"]["id"] == BOT:
            return str(notes[-1]["body"])
    return ""


def test_blocked_builds_are_reported_and_the_service_goes_on(
    tmp_path: Path, listener: socket.socket, env: None
) -> None:
    assert probe(True).mode in ("bwrap", "bwrap-userns"), probe(True).describe()
    port = listener.getsockname()[1]
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "pwned"
    repo, base = make_project(tmp_path, units=1)
    git(repo, "branch", "-M", "master")
    branches = {
        41: _branch(repo, "net", base, GEN_NET.replace("PORT", str(port)), "reach the network"),
        42: _branch(repo, "write", base, f"echo x > {target} && echo wrote\n", "write outside"),
        43: _branch(repo, "ok", base, "echo still fine\n", "harmless build change"),
    }
    fake = FakeGitLab()
    fake.add_user(BOT, "migcheck-bot", BOT_TOKEN)
    fake.add_user(ALICE, "alice", "alice-token")
    fake.add_project(PID, "qemu-project/qemu", str(repo), members={BOT: 30, ALICE: 30})
    with fake.serve():
        cfg = write_config(tmp_path / "m.toml", fake.base_url, tmp_path / "state",
                           review__build_timeout=600.0)  # fmt: skip
        svc = build_service(load_config(cfg))
        svc.start_workers(1)
        try:
            with ServerThread(svc.app) as server, httpx.Client(timeout=10) as client:

                def command(iid: int, text: str) -> int:
                    payload = fake.user_note(PID, iid, ALICE, text)
                    r = client.post(
                        f"{server.url}/webhooks/gitlab", json=payload,
                        headers={"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Note Hook"},
                    )  # fmt: skip
                    assert r.status_code == 202, r.text
                    return int(payload["object_attributes"]["id"])

                for iid, name in ((41, "net"), (42, "write"), (43, "ok")):
                    fake.add_mr(PID, iid, author_id=ALICE, source=name)
                answers: dict[int, str] = {}
                for iid in (41, 42):
                    note = command(iid, "/check-migration --build")
                    answers[iid] = wait_until(lambda i=iid, n=note: _thread_answer(fake, i, n), 300)
                note = command(43, "/check-migration")
                answers[43] = wait_until(lambda: _thread_answer(fake, 43, note), 120)
                health = client.get(f"{server.url}/healthz").status_code
                status = client.get(f"{server.url}/status",
                                    headers={"Accept": "application/json"}).json()  # fmt: skip
            hist = {h.job_id: h for h in svc.state.history(20)}
            jobs = {j.id: j for j in svc.queue.recent(20)}
        finally:
            svc.close()
    assert not _accepted(listener)  # nothing reached the host's network
    assert not target.exists()  # nothing was written outside the work dir
    for iid in (41, 42):
        text = answers[iid]
        assert "could not run this check" in text and "build" in text.lower(), text
        assert "head" in text, text  # names the side whose build failed
        statuses = fake.statuses[(PID, branches[iid])]
        assert statuses[-1]["status"] == "failed", statuses
    assert "NET-BLOCKED" in answers[41] or "unreachable" in answers[41].lower(), answers[41]
    assert "done" in answers[43] and "could not run" not in answers[43], answers[43]
    assert health == 200
    failed = [j for j in jobs.values() if j.state == "failed"]
    assert len(failed) == 2 and all(j.attempts == 1 for j in failed)  # reported, not retried
    assert all(hist[j.id].status == "failed" and "BuildError" in hist[j.id].detail
               for j in failed)  # fmt: skip
    assert status["jobs_by_state"]["failed"] == 2 and status["jobs_by_state"]["done"] == 1
