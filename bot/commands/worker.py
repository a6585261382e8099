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
    p.add_argument("--log-level", default="info", help="log level (default: info)")
    return p


def run(args: argparse.Namespace) -> int:
    """Work until signalled (or --max-jobs)."""
    from bot.service.queue import open_queue
    from bot.service.state import StateDB
    from bot.service.worker import Worker

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    cfg = load_config(args.config)
    cfg.gitlab_token()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    queue = open_queue(cfg.queue, cfg.state_dir)
    state = StateDB(cfg.state_dir / "state.sqlite3")
    # The mailing-list poller shares the process (issue 5); it returns at once when
    # [mail] is not enabled.
    from bot.mail.poller import poll_forever

    mail = threading.Thread(target=poll_forever, args=(cfg, stop), name="mail-poll", daemon=True)
    mail.start()
    try:
        Worker(cfg, queue, state, worker_id=args.worker_id).run(stop, max_jobs=args.max_jobs)
    finally:
        stop.set()
        mail.join(timeout=60)
        queue.close()
        state.close()
    return 0


def main() -> int:
    """`python -m bot.commands.worker --config FILE` (until the lead wires the subcommand)."""
    import sys

    p = argparse.ArgumentParser(prog="migcheck worker")
    register(p.add_subparsers(dest="command"))
    return run(p.parse_args(["worker", *sys.argv[1:]]))


if __name__ == "__main__":
    raise SystemExit(main())
