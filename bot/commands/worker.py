"""`migcheck worker --config FILE`: run review jobs from the configured queue.

Any number of workers may share a Redis queue (`queue.url = "redis://..."`); with the
embedded SQLite queue, workers must run on the machine that holds `service.state_dir`.
SIGTERM/SIGINT finish the current job's bookkeeping and stop.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from bot.config import load_config
from bot.logsetup import add_log_arguments


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `worker` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "worker",
        help="run review jobs from the queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, metavar="FILE", help="TOML configuration file")
    p.add_argument("--max-jobs", type=int, metavar="N", help="exit after N jobs")
    p.add_argument("--id", dest="worker_id", help="worker id shown on /status")
    p.add_argument(
        "--log-level",
        default=None,
        help="log level (default: $MIGCHECK_LOG_LEVEL, then [logging] level, then info)",
    )
    add_log_arguments(p, level=False)
    p.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve this worker's Prometheus metrics on 127.0.0.1:PORT (default: off)",
    )
    p.add_argument(
        "--metrics-addr", default="127.0.0.1", metavar="ADDR", help="address for --metrics-port"
    )
    p.add_argument(
        "--no-mail",
        action="store_true",
        help="do not run the mailing-list poller in this process (run exactly one poller)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Work until signalled (or --max-jobs)."""
    from prometheus_client import CollectorRegistry

    from bot.logsetup import configure_logging, secret_env_names
    from bot.service.metrics import Metrics, start_metrics_server
    from bot.service.queue import open_queue
    from bot.service.state import StateDB
    from bot.service.worker import Worker

    cfg = load_config(args.config)
    configure_logging(
        level=args.log_level,
        fmt=args.log_format,
        secret_envs=secret_env_names(cfg),
        config_level=cfg.logging.level,
        config_format=cfg.logging.format,
    )
    metrics = Metrics.create(CollectorRegistry())
    if args.metrics_port:
        start_metrics_server(metrics.registry, args.metrics_port, args.metrics_addr)
    cfg.gitlab_token()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    queue = open_queue(cfg.queue, cfg.state_dir, state_url=cfg.service.state_url)
    state = StateDB(cfg.state_target)
    logging.getLogger("migcheck.worker").info(
        "worker started: id %s, queue %s, state %s (%s)",
        args.worker_id or "host:pid",
        type(queue).__name__,
        state.target,
        state.dialect,
    )
    # The mailing-list poller shares the process (issue 5); it returns at once when
    # [mail] is not enabled.
    from bot.mail.poller import poll_forever

    mail = threading.Thread(target=poll_forever, args=(cfg, stop), kwargs={"metrics": metrics},
                            name="mail-poll", daemon=True)  # fmt: skip
    if not args.no_mail:
        mail.start()
    try:
        Worker(cfg, queue, state, worker_id=args.worker_id, metrics=metrics).run(
            stop, max_jobs=args.max_jobs
        )
    finally:
        stop.set()
        if mail.is_alive():
            mail.join(timeout=60)
        queue.close()
        state.close()
    return 0
