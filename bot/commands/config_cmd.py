"""`migcheck config check FILE`: validate a service configuration file.

Exit 0 when valid (prints a one-line summary and which secrets are missing from the
environment), 2 when a key is bad (the message names it).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bot.config import load_config


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `config` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "config",
        help="validate the service configuration",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    c = csub.add_parser("check", help="validate FILE and name the bad key")
    c.add_argument("file", metavar="FILE", help="TOML configuration file")
    return p


def run(args: argparse.Namespace) -> int:
    """Validate and summarise."""
    cfg = load_config(args.file)
    queue = cfg.queue.url or f"sqlite:{cfg.state_dir / 'queue.sqlite3'}"
    print(
        f"{args.file}: ok (gitlab {cfg.gitlab.url}, queue {queue}, state {cfg.state_dir}, "
        f"{len(cfg.gitlab.projects) or 'any'} project(s))"
    )
    secrets = [cfg.gitlab.token_env, cfg.gitlab.webhook_secret_env]
    if cfg.gitlab.signing_secret_env:
        secrets.append(cfg.gitlab.signing_secret_env)
    missing = [s for s in secrets if s and not os.environ.get(s)]
    if missing:
        print(f"note: not set in this environment: {', '.join(missing)}", file=sys.stderr)
    return 0
