"""Webhook burst against the running service, all on loopback.

    /work/venv/bin/python bench/webhook_burst.py [--deliveries 1000] [--mrs 50] \
        [--concurrency 16] [--workers 2] [--redis-url redis://127.0.0.1:6399/0] \
        [--state-url postgresql://user@host:port/maintenance-db] [--saved-then-502]

Starts the fake GitLab (tests/integration/gitlab/fakegitlab.py) in this process with --mrs
merge requests (the sample series plus one commit per push), `migcheck serve --no-worker`
(the web process, measured) and --workers `migcheck worker` processes as subprocesses, then
sends --deliveries Merge Request Hook deliveries (open, then one update per new head; 10 %
re-sent with the same Idempotency-Key) from --concurrency client threads.

Prints: ack latency p50/p99/max, HTTP codes, jobs queued/superseded/duplicate, jobs lost
(MRs whose final head was never reviewed, plus failed jobs; goal 0), duplicate comments
(same fingerprint in two threads or two summary notes on one MR; goal 0), RSS of the web
process idle before, right after the burst and after the queue drained (goal idle <= 150 MiB,
no growth that does not return). --state-url: state (and, without --redis-url, the queue)
in a fresh PostgreSQL database created through that URL. --saved-then-502: the fake GitLab
carries out every write (note, thread, status, resolve, emoji) and then answers 502 the first
time it sees it, as a proxy timing out after GitLab committed would; duplicates must stay 0.
Bounded loops; figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pygit2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "gitlab"))
sys.path.insert(0, str(ROOT))

from fakegitlab import FakeGitLab, free_port, mr_hook  # noqa: E402

from bot.sample import build_sample_repo, examples_dir  # noqa: E402

SECRET = "bench-secret"
TOKEN = "bench-token"
PID = 1


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_repo(path: Path, mrs: int, pushes: int) -> dict[int, list[str]]:
    """master + branch mr<i> per MR: the sample series, then `pushes` extra commits."""
    build_sample_repo(examples_dir() / "sample-base", path)
    env = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@e",
           "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@e"}
    patches = sorted(str(p) for p in (examples_dir() / "sample-series").glob("000[1-9]*"))
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "-b", "series"], check=True)
    subprocess.run(["git", "-C", str(path), "am", "-q", *patches], check=True, env=env)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "master"], check=True)
    repo = pygit2.Repository(str(path))
    series = repo.references["refs/heads/series"].target
    sig = pygit2.Signature("B", "b@e", 1767600000, 0)
    heads: dict[int, list[str]] = {}
    for i in range(1, mrs + 1):
        tip = series
        chain = [str(tip)]
        for k in range(pushes):
            tb = repo.TreeBuilder(repo[tip].peel(pygit2.Commit).tree)
            tb.insert(f"bench-{i}-{k}.txt", repo.create_blob(f"{i} {k}\n".encode()),
                      pygit2.enums.FileMode.BLOB)
            tip = repo.create_commit(None, sig, sig, f"push {k}\n", tb.write(), [tip])
            chain.append(str(tip))
        repo.references.create(f"refs/heads/mr{i}", tip, force=True)
        heads[i] = chain
    return heads


def fresh_database(admin_url: str) -> str:
    """Create an empty PostgreSQL database through `admin_url`; return its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = "burst_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    p = urlsplit(admin_url)
    return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deliveries", type=int, default=1000)
    ap.add_argument("--mrs", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--redis-url", default="")
    ap.add_argument("--state-url", default="", help="PostgreSQL maintenance URL (state in PG)")
    ap.add_argument("--drain-timeout", type=float, default=600)
    ap.add_argument("--saved-then-502", action="store_true",
                    help="every GitLab write fails once after it was saved")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat the burst (fresh delivery ids) to see whether RSS plateaus")
    ns = ap.parse_args()

    unique = ns.deliveries - ns.deliveries // 10
    pushes = max(1, unique // ns.mrs - 1)
    work = Path(tempfile.mkdtemp(prefix="migcheck-burst-"))
    t0 = time.time()
    heads = build_repo(work / "repo", ns.mrs, pushes)
    print(f"repo: {ns.mrs} MRs x {pushes + 1} heads in {time.time() - t0:.1f}s")

    fake = FakeGitLab()
    fake.add_user(1, "migcheck-bot", TOKEN)
    fake.add_user(2, "alice", "alice-token")
    fake.add_project(PID, "qemu-project/qemu", str(work / "repo"), members={1: 30, 2: 30})
    procs: list[subprocess.Popen[bytes]] = []
    with fake.serve() as gl_server:
        for i in range(1, ns.mrs + 1):
            fake.add_mr(PID, i, author_id=2, source=f"mr{i}")  # final head = last push
        fake.fail_writes_once_after_saving = ns.saved_then_502
        port = free_port()
        cfg = work / "migcheck.toml"
        cfg.write_text(
            f'[gitlab]\nurl = "{gl_server.url}"\ntoken_env = "BENCH_GL_TOKEN"\n'
            f'webhook_secret_env = "BENCH_HOOK_SECRET"\n'
            f'[queue]\nurl = "{ns.redis_url}"\nprefix = "bench-{uuid.uuid4().hex[:8]}:"\n'
            f"poll_interval = 0.05\nvisibility_timeout = 120.0\n"
            f'[service]\nstate_dir = "{work / "state"}"\nport = {port}\n'
            f'state_url = "{fresh_database(ns.state_url) if ns.state_url else ""}"\n'
            f"[review]\nmax_inline_comments = 10\n"
        )
        env = {**os.environ, "BENCH_GL_TOKEN": TOKEN, "BENCH_HOOK_SECRET": SECRET,
               "PYTHONPATH": str(ROOT)}
        web = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--config", str(cfg),
                                "--no-worker", "--log-level", "warning"], env=env, cwd=ROOT)
        procs.append(web)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(timeout=10) as c:
                for _ in range(200):
                    try:
                        if c.get(f"{url}/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.05)
            time.sleep(0.5)
            rss_idle = rss_mib(web.pid)

            # deliveries: per MR open + updates in head order; 10 % re-sent duplicates
            events: list[tuple[str, dict[str, Any]]] = []
            for i in range(1, ns.mrs + 1):
                for k, head in enumerate(heads[i]):
                    payload = mr_hook(fake, PID, i, "open" if k == 0 else "update")
                    payload["object_attributes"]["last_commit"]["id"] = head
                    events.append((str(uuid.uuid4()), payload))
            events = events[:unique]
            rng = random.Random(7)
            order = sorted(range(len(events)), key=lambda j: (j % (pushes + 1), rng.random()))
            sends = [events[j] for j in order]
            dups = [sends[rng.randrange(len(sends))] for _ in range(ns.deliveries - len(sends))]
            for d in dups:
                sends.insert(rng.randrange(len(sends) // 2, len(sends) + 1), d)

            def send(client: httpx.Client, ev: tuple[str, dict[str, Any]]) -> tuple[float, int,
                                                                                      str]:
                body = json.dumps(ev[1])
                h = {"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Merge Request Hook",
                     "Idempotency-Key": ev[0], "Content-Type": "application/json"}
                t = time.perf_counter()
                r = client.post(f"{url}/webhooks/gitlab", content=body, headers=h)
                dt = time.perf_counter() - t
                return dt, r.status_code, r.json().get("status", "")

            clients = [httpx.Client(timeout=10) for _ in range(ns.concurrency)]
            for _ in range(ns.workers):
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "bot", "worker", "--config", str(cfg),
                     "--log-level", "warning"], env=env, cwd=ROOT))
            t_burst = time.perf_counter()
            with cf.ThreadPoolExecutor(ns.concurrency) as ex:
                futs = [ex.submit(send, clients[n % ns.concurrency], ev)
                        for n, ev in enumerate(sends)]
                results = [f.result() for f in futs]
            burst_s = time.perf_counter() - t_burst
            for cl in clients:
                cl.close()
            rss_burst = rss_mib(web.pid)

            lat = sorted(r[0] * 1000 for r in results)
            codes: dict[int, int] = {}
            kinds: dict[str, int] = {}
            for _, code, st in results:
                codes[code] = codes.get(code, 0) + 1
                kinds[st] = kinds.get(st, 0) + 1
            print(f"burst: {len(results)} deliveries in {burst_s:.2f}s "
                  f"({len(results) / burst_s:.0f}/s, {ns.concurrency} clients)")
            print(f"ack latency ms: p50 {statistics.median(lat):.1f}  "
                  f"p99 {lat[int(len(lat) * 0.99) - 1]:.1f}  max {lat[-1]:.1f}")
            print(f"http codes: {codes}  answers: {kinds}")

            # drain: every MR reviewed at its final head
            final = {i: heads[i][-1] for i in heads}
            deadline = time.time() + ns.drain_timeout
            t_drain = time.time()
            with httpx.Client(timeout=10) as c:
                while time.time() < deadline:
                    st = c.get(f"{url}/status", headers={"Accept": "application/json"}).json()
                    done = sum(1 for i in final if any(
                        s["status"] in ("success", "failed")
                        for s in fake.statuses.get((PID, final[i]), [])))
                    if st["queue_depth"] == 0 and done == len(final):
                        break
                    time.sleep(0.5)
                st = c.get(f"{url}/status", headers={"Accept": "application/json"}).json()
            print(f"drain: {time.time() - t_drain:.1f}s; jobs by state: {st['jobs_by_state']}")
            time.sleep(2)
            rss_after = rss_mib(web.pid)

            def reviewed(i: int) -> bool:
                return any(s["status"] in ("success", "failed")
                           for s in fake.statuses.get((PID, final[i]), []))

            lost = [i for i in final if not reviewed(i)]
            failed = st["jobs_by_state"].get("failed", 0)
            dup_comments = 0
            for i in final:
                fps: dict[str, int] = {}
                summaries = 0
                for d in fake.discussions(PID, i):
                    body = d["notes"][0]["body"]
                    if "migcheck:fp=" in body:
                        fp = body.split("migcheck:fp=")[1].split(" ")[0]
                        fps[fp] = fps.get(fp, 0) + 1
                    if "migcheck:summary" in body:
                        summaries += 1
                dup_comments += sum(n - 1 for n in fps.values()) + max(0, summaries - 1)
            print(f"jobs lost: {len(lost) + failed} (MRs not reviewed at final head: "
                  f"{len(lost)}, failed jobs: {failed})")
            faults = "; every write failed once after saving" if ns.saved_then_502 else ""
            print(f"duplicate comments: {dup_comments} (threads with one fingerprint twice, or "
                  f"two summaries){faults}")
            served = [c for _, _, c in fake.requests]
            print(f"GitLab requests: {len(served)}, answered 502: {served.count(502)}")
            print(f"web RSS MiB: idle {rss_idle:.1f}, after burst {rss_burst:.1f}, "
                  f"after drain {rss_after:.1f}")
            for rnd in range(2, ns.rounds + 1):
                again = [(str(uuid.uuid4()), ev[1]) for ev in sends]
                pool = [httpx.Client(timeout=10) for _ in range(ns.concurrency)]
                with cf.ThreadPoolExecutor(ns.concurrency) as ex:
                    futs2 = [ex.submit(send, pool[n % ns.concurrency], ev)
                             for n, ev in enumerate(again)]
                    res2 = [f.result() for f in futs2]
                for cl in pool:
                    cl.close()
                lat2 = sorted(r[0] * 1000 for r in res2)
                time.sleep(2)
                print(f"round {rnd}: p50 {statistics.median(lat2):.1f} ms, "
                      f"p99 {lat2[int(len(lat2) * 0.99) - 1]:.1f} ms, "
                      f"web RSS {rss_mib(web.pid):.1f} MiB")
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
