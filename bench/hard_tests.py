"""Hard tests of the service on loopback: worker crashes and scale-out on a real Redis.

    /work/venv/bin/python bench/hard_tests.py crash [--jobs 20] [--kills 20] [--seed 1]
        [--state-url postgresql://user@host:port/maintenance-db]
    /work/venv/bin/python bench/hard_tests.py scale [--jobs 200] [--workers 1,3]
        [--state-url postgresql://...] [--queue redis|state]
    (burst: bench/webhook_burst.py --deliveries 1000)

Both start the fake GitLab (tests/integration/gitlab/fakegitlab.py) in this process with one
merge request per job (the sample series plus one commit, so every MR has its own head), the
real `migcheck serve --no-worker` as a subprocess, send one Merge Request Hook per MR, and run
real `migcheck worker` subprocesses.

crash: embedded SQLite queue, queue.visibility_timeout 3 s. Repeatedly start a worker and
  SIGKILL it after a random 0.2-3 s (random points of the jobs: leasing, analysing, posting),
  --kills times, then let one worker drain. Prints: MRs reviewed at their head (goal all),
  duplicate comments (same fingerprint twice or two summary notes on an MR; goal 0), jobs
  failed (goal 0), review runs per MR (>1 means a killed job re-ran: fine while comments
  stay single).
scale: a private redis-server on a free loopback port; for each worker count a fresh queue
  prefix and GitLab state; all deliveries queued first, then the workers start and the clock
  runs until every MR is reviewed. Prints jobs/s per worker count and the ratio, jobs run
  twice (goal 0), duplicate comments (goal 0).
--state-url: the state (state DB, mail store and, for crash or `--queue state`, the job queue)
  lives in PostgreSQL: each run gets a fresh database created through that maintenance URL
  (`bash scripts/pg-test-server` prints one for a throwaway local cluster).
Bounded loops and timeouts everywhere; figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "gitlab"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from fakegitlab import FakeGitLab, free_port, mr_hook  # noqa: E402
from webhook_burst import build_repo, fresh_database  # noqa: E402

SECRET = "hard-secret"
TOKEN = "hard-token"
PID = 1


def py(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


class Env:
    """One fake GitLab + web process + config for a run."""

    def __init__(
        self, work: Path, repo: Path, mrs: int, queue_url: str, vis: float, state_url: str = ""
    ) -> None:
        self.work = work
        self.fake = FakeGitLab()
        self.fake.add_user(1, "migcheck-bot", TOKEN)
        self.fake.add_user(2, "alice", "alice-token")
        self.fake.add_project(PID, "qemu-project/qemu", str(repo), members={1: 30, 2: 30})
        self.server = self.fake.serve()
        self.server.__enter__()
        for i in range(1, mrs + 1):
            self.fake.add_mr(PID, i, author_id=2, source=f"mr{i}")
        self.mrs = mrs
        self.port = free_port()
        self.cfg = work / "migcheck.toml"
        work.mkdir(parents=True, exist_ok=True)
        self.cfg.write_text(
            f'[gitlab]\nurl = "{self.server.url}"\ntoken_env = "HARD_GL_TOKEN"\n'
            f'webhook_secret_env = "HARD_HOOK_SECRET"\n'
            f'[queue]\nurl = "{queue_url}"\nprefix = "hard-{uuid.uuid4().hex[:8]}:"\n'
            f"poll_interval = 0.05\nvisibility_timeout = {vis}\nbackoff_base = 0.2\n"
            f'[service]\nstate_dir = "{work / "state"}"\nport = {self.port}\n'
            f'state_url = "{fresh_database(state_url) if state_url else ""}"\n'
        )
        self.env = {
            **os.environ,
            "HARD_GL_TOKEN": TOKEN,
            "HARD_HOOK_SECRET": SECRET,
            "PYTHONPATH": str(ROOT),
        }
        self.url = f"http://127.0.0.1:{self.port}"
        self.web = subprocess.Popen(
            py("bot", "serve", "--config", str(self.cfg), "--no-worker",
               "--log-level", "warning"),
            env=self.env, cwd=ROOT,
        )  # fmt: skip
        with httpx.Client(timeout=5) as c:
            for _ in range(400):
                try:
                    if c.get(f"{self.url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                raise SystemExit("web process did not come up")

    def worker(self, wid: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            py("bot", "worker", "--config", str(self.cfg), "--id", wid,
               "--log-level", "error"),
            env=self.env, cwd=ROOT, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def deliver_all(self) -> dict[int, int]:
        codes: dict[int, int] = {}
        with httpx.Client(timeout=10) as c:
            for i in range(1, self.mrs + 1):
                r = c.post(
                    f"{self.url}/webhooks/gitlab",
                    content=json.dumps(mr_hook(self.fake, PID, i, "open")),
                    headers={"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Merge Request Hook",
                             "Idempotency-Key": str(uuid.uuid4()),
                             "Content-Type": "application/json"},
                )  # fmt: skip
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
        return codes

    def head(self, i: int) -> str:
        with self.fake.lock:
            return str(self.fake.mrs[(PID, i)].head)

    def runs(self, i: int) -> int:
        """Final (success/failed) commit statuses posted on MR i's head = review runs."""
        return sum(
            1 for s in self.fake.statuses.get((PID, self.head(i)), [])
            if s["status"] in ("success", "failed")
        )  # fmt: skip

    def reviewed(self) -> int:
        return sum(1 for i in range(1, self.mrs + 1) if self.runs(i) >= 1)

    def duplicate_comments(self) -> int:
        dup = 0
        for i in range(1, self.mrs + 1):
            fps: dict[str, int] = {}
            summaries = 0
            for d in self.fake.discussions(PID, i):
                body = d["notes"][0]["body"]
                if "migcheck:fp=" in body:
                    fp = body.split("migcheck:fp=")[1].split(" ")[0]
                    fps[fp] = fps.get(fp, 0) + 1
                if "migcheck:summary" in body:
                    summaries += 1
            dup += sum(n - 1 for n in fps.values()) + max(0, summaries - 1)
        return dup

    def comments(self) -> int:
        return sum(len(self.fake.discussions(PID, i)) for i in range(1, self.mrs + 1))

    def status(self) -> dict[str, Any]:
        with httpx.Client(timeout=10) as c:
            r = c.get(f"{self.url}/status", headers={"Accept": "application/json"})
            data: dict[str, Any] = r.json()
            return data

    def close(self) -> None:
        stop(self.web)
        self.server.__exit__(None, None, None)


def stop(p: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_reviewed(env: Env, timeout: float) -> float:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if env.reviewed() == env.mrs and env.status()["queue_depth"] == 0:
            break
        time.sleep(0.1)
    return time.time() - t0


def crash(ns: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="migcheck-crash-"))
    rng = random.Random(ns.seed)
    build_repo(work / "repo", ns.jobs, 1)
    env = Env(work / "run", work / "repo", ns.jobs, "", vis=3.0, state_url=ns.state_url)
    print(f"state and queue: {'PostgreSQL' if ns.state_url else 'SQLite'}")
    try:
        print(f"deliveries: {env.deliver_all()}")
        kills = 0
        t0 = time.time()
        while kills < ns.kills and env.reviewed() < ns.jobs:
            w = env.worker(f"crash-{kills}")
            time.sleep(rng.uniform(ns.min_delay, ns.max_delay))
            if w.poll() is None:
                w.send_signal(signal.SIGKILL)
                w.wait()
                kills += 1
        before = env.reviewed()
        survivor = env.worker("survivor")
        drain = wait_reviewed(env, ns.timeout)
        time.sleep(1.0)
        stop(survivor)
        st = env.status()
        runs = [env.runs(i) for i in range(1, ns.jobs + 1)]
        attempts = [j["attempts"] for j in st["recent_jobs"]]
        print(f"kill -9: {kills} workers in {time.time() - t0 - drain:.1f}s; "
              f"reviewed before the last worker: {before}/{ns.jobs}")  # fmt: skip
        print(f"drain with one worker: {drain:.1f}s; jobs by state: {st['jobs_by_state']}")
        print(f"MRs reviewed at their head: {env.reviewed()}/{ns.jobs}")
        print(f"review runs per MR: min {min(runs)} max {max(runs)} total {sum(runs)} "
              f"(re-runs after a kill: {sum(r - 1 for r in runs if r > 1)})")  # fmt: skip
        print(f"comments: {env.comments()}, duplicate comments: {env.duplicate_comments()}")
        print(f"jobs failed: {st['jobs_by_state'].get('failed', 0)}; jobs leased more than "
              f"once (killed mid-job): {sum(1 for a in attempts if a > 1)}, max attempts "
              f"{max(attempts, default=0)}")
    finally:
        env.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def scale(ns: argparse.Namespace) -> int:
    redis_bin = shutil.which("redis-server")
    if not redis_bin:
        raise SystemExit("redis-server not found (apt-get install redis-server)")
    work = Path(tempfile.mkdtemp(prefix="migcheck-scale-"))
    build_repo(work / "repo", ns.jobs, 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        rport = s.getsockname()[1]
    redis = subprocess.Popen(
        [redis_bin, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    results: dict[int, float] = {}
    print(f"queue: {'PostgreSQL' if ns.queue == 'state' and ns.state_url else ns.queue}; "
          f"state: {'PostgreSQL' if ns.state_url else 'SQLite'}")  # fmt: skip
    try:
        time.sleep(0.5)
        for n in [int(x) for x in ns.workers.split(",")]:
            qurl = "" if ns.queue == "state" else f"redis://127.0.0.1:{rport}/0"
            env = Env(work / f"run{n}", work / "repo", ns.jobs, qurl, vis=120.0,
                      state_url=ns.state_url)  # fmt: skip
            try:
                codes = env.deliver_all()
                workers = [env.worker(f"scale{n}-{k}") for k in range(n)]
                t = wait_reviewed(env, ns.timeout)
                for w in workers:
                    stop(w)
                runs = [env.runs(i) for i in range(1, ns.jobs + 1)]
                results[n] = env.reviewed() / t
                states = env.status()["jobs_by_state"]
                print(f"{n} worker(s): {env.reviewed()}/{ns.jobs} jobs in {t:.1f}s = "
                      f"{results[n]:.2f} jobs/s; deliveries {codes}; jobs run twice: "
                      f"{sum(1 for r in runs if r > 1)}; duplicate comments: "
                      f"{env.duplicate_comments()}; states {states}")  # fmt: skip
            finally:
                env.close()
        if len(results) > 1:
            lo, hi = min(results), max(results)
            print(f"throughput {hi} vs {lo} worker(s): x{results[hi] / results[lo]:.2f} "
                  f"(cpus: {os.cpu_count()})")  # fmt: skip
    finally:
        stop(redis)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("crash")
    c.add_argument("--jobs", type=int, default=20)
    c.add_argument("--kills", type=int, default=20)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--min-delay", type=float, default=0.3, help="s after start before kill -9")
    c.add_argument("--max-delay", type=float, default=1.5)
    c.add_argument("--timeout", type=float, default=600)
    c.add_argument("--state-url", default="", help="PostgreSQL maintenance URL (state in PG)")
    s = sub.add_parser("scale")
    s.add_argument("--jobs", type=int, default=200)
    s.add_argument("--workers", default="1,3")
    s.add_argument("--timeout", type=float, default=900)
    s.add_argument("--state-url", default="", help="PostgreSQL maintenance URL (state in PG)")
    s.add_argument("--queue", choices=("redis", "state"), default="redis",
                   help="job queue: Redis, or the state database (SQLite/PostgreSQL)")  # fmt: skip
    ns = ap.parse_args()
    return crash(ns) if ns.cmd == "crash" else scale(ns)


if __name__ == "__main__":
    raise SystemExit(main())
