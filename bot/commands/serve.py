"""`migcheck serve --config FILE`: the GitLab webhook service (Starlette on uvicorn).

With no `queue.url` the same process also runs the worker on the embedded queue (SQLite, or
PostgreSQL with `service.state_url`);
with `queue.url = "redis://..."` run `migcheck worker --config FILE` processes as well
(or pass --with-worker to run one in-process anyway).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from bot.config import Config, load_config
from bot.logsetup import add_log_arguments, configure_logging, secret_env_names
from bot.service.queue import JobQueue, open_queue
from bot.service.state import StateDB


@dataclass
class Service:
    """The parts of a running service."""

    cfg: Config
    queue: JobQueue
    state: StateDB
    app: Any
    stop: threading.Event
    workers: list[threading.Thread]

    def start_workers(self, n: int = 1) -> None:
        """Run n worker loops in threads (each with its own queue connection)."""
        from bot.service.worker import Worker

        for i in range(n):
            cfg = self.cfg
            q = open_queue(cfg.queue, cfg.state_dir, state_url=cfg.service.state_url)
            w = Worker(
                self.cfg, q, self.state, worker_id=f"inproc-{i}", metrics=self.app.state.metrics
            )
            t = threading.Thread(target=w.run, args=(self.stop,), daemon=True, name=f"worker-{i}")
            t.start()
            self.workers.append(t)

    def close(self) -> None:
        """Stop the worker threads and close connections."""
        self.stop.set()
        for t in self.workers:
            t.join(30)
        self.queue.close()
        self.state.close()


def build_service(cfg: Config) -> Service:
    """Queue, state DB and ASGI app for a configuration (workers not started)."""
    from bot.service.app import create_app

    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    queue = open_queue(cfg.queue, cfg.state_dir, state_url=cfg.service.state_url)
    state = StateDB(cfg.state_target)
    app = create_app(cfg, queue, state)
    return Service(cfg, queue, state, app, threading.Event(), [])


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `serve` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run the GitLab webhook service",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, metavar="FILE", help="TOML configuration file")
    p.add_argument("--host", help="listen address (default: service.listen)")
    p.add_argument("--port", type=int, help="listen port (default: service.port)")
    p.add_argument(
        "--with-worker", action="store_true", help="run a worker in-process even with a Redis queue"
    )
    p.add_argument("--no-worker", action="store_true", help="never run a worker in-process")
    p.add_argument(
        "--log-level",
        default=None,
        help="log level (default: $MIGCHECK_LOG_LEVEL, then [logging] level, then info)",
    )
    add_log_arguments(p, level=False)
    return p


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import uvicorn

    cfg = load_config(args.config)
    configure_logging(
        level=args.log_level,
        fmt=args.log_format,
        secret_envs=secret_env_names(cfg),
        config_level=cfg.logging.level,
        config_format=cfg.logging.format,
    )
    cfg.gitlab_token()  # fail early (exit 2) when the token is missing
    svc = build_service(cfg)
    if not args.no_worker and (args.with_worker or not cfg.queue.url):
        svc.start_workers(1)
    # uvicorn restores these after its graceful shutdown and re-raises the signal it caught:
    # ours then only stops the worker threads, so the finally below runs and we exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: svc.stop.set())
    try:
        uvicorn.run(
            svc.app,
            host=args.host or cfg.service.listen,
            port=args.port or cfg.service.port,
            log_level=logging.getLevelName(logging.getLogger().level).lower(),
            log_config=None,  # keep bot.logsetup's handler (JSON lines, redaction)
            access_log=False,
        )
    finally:
        svc.close()
    return 0
