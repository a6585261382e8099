"""`migcheck mail`: review mailed series and reply on the list.

    migcheck mail poll --config FILE
    migcheck mail review FILE.mbox|MAILDIR [--repo PATH --base REV] [--outbox DIR | --send]
    migcheck mail review --url https://lore.kernel.org/qemu-devel MSGID [--repo PATH ...]

`poll` reads new messages once (public-inbox epochs, maildirs), reviews the series that are
ready and replies (dry-run to the outbox folder until mail.smtp_host is set). `review`
assembles the series in the given messages, reviews each (incomplete ones too) and prints
the replies it would send, or writes them to --outbox, or sends them (--send, needs
--config with SMTP settings). --send records in the poller's store (mail.store) like a poll
does: a reply the poller or an earlier `review --send` sent is never sent again.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from email import message_from_bytes, policy
from typing import TYPE_CHECKING, Any

from bot.errors import InputError
from bot.logsetup import add_log_arguments, configure_logging, secret_env_names

if TYPE_CHECKING:
    from bot.config import Config


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the `mail` subcommand with `poll` and `review`."""
    p: argparse.ArgumentParser = sub.add_parser(
        "mail", help="review series from the mailing list and reply in the thread",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    msub = p.add_subparsers(dest="mail_command", metavar="ACTION")
    poll = msub.add_parser("poll", help="read new list messages once, review, reply")
    poll.add_argument("--config", required=True, metavar="FILE", help="migcheck TOML config")
    add_log_arguments(poll)
    rv = msub.add_parser("review", help="review the series in an mbox, maildir or thread URL")
    rv.add_argument(
        "source",
        metavar="FILE|DIR|MSGID",
        help="mbox file, maildir / folder of .eml, or a Message-ID with --url",
    )
    rv.add_argument("--url", metavar="BASE", help="public-inbox base URL to fetch the thread")
    rv.add_argument("--config", metavar="FILE", help="config (for --send and [mail] settings)")
    rv.add_argument("--repo", metavar="PATH", help="QEMU repository (default: mail.repo or .)")
    rv.add_argument(
        "--base",
        metavar="REV",
        help="apply onto REV (default: base-commit:/Based-on:/branch at the date)",
    )
    rv.add_argument("--branch", metavar="NAME", help="target branch (default: master)")
    rv.add_argument("--cache-dir", metavar="DIR", help="whole-tree index cache")
    out = rv.add_mutually_exclusive_group()
    out.add_argument("--outbox", metavar="DIR", help="write the replies as .eml files to DIR")
    out.add_argument("--send", action="store_true", help="send the replies by SMTP")
    rv.add_argument(
        "--all",
        action="store_true",
        help="also reply on clean series (like /check-migration would)",
    )
    add_log_arguments(rv)
    p.set_defaults(_parser=p)
    return p


def run(args: argparse.Namespace) -> int:
    """Dispatch to poll or review."""
    if args.mail_command == "poll":
        return _poll(args)
    if args.mail_command == "review":
        return _review(args)
    args._parser.print_help(sys.stderr)
    return 2


def _configure_logging(args: argparse.Namespace, cfg: Config) -> None:
    """Log as serve/worker do: flag > $MIGCHECK_LOG_* > [logging] > text/info, redacted.

    `review` without --config and without a log flag keeps Python's default (warnings only).
    """
    configure_logging(
        level=args.log_level,
        fmt=args.log_format,
        secret_envs=secret_env_names(cfg),
        config_level=cfg.logging.level,
        config_format=cfg.logging.format,
    )


def _poll(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.mail.config import mail_settings
    from bot.mail.poller import poll_once

    cfg = load_config(args.config)
    _configure_logging(args, cfg)
    settings = mail_settings(cfg)
    if not settings.inboxes and not settings.maildirs:
        raise InputError("no mail.inboxes or mail.maildirs configured", input_name=args.config,
                         hint='add inboxes = ["/path/to/inbox"] under [mail]')  # fmt: skip
    r = poll_once(settings, limits=cfg.review.analysis_limits())
    print(f"ingested {r.ingested} message(s); reviewed {r.series_reviewed}, skipped "
          f"{r.series_skipped}, waiting {r.series_pending}, obsolete {r.series_obsolete}, "
          f"not applying {r.apply_failed}; commands {r.commands}; replies queued "
          f"{r.replies_queued}, delivered {r.replies_delivered}"
          + (" (dry-run: " + settings.outbox + ")" if settings.dry_run else ""))  # fmt: skip
    for n in r.notes:
        print(f"note: {n}")
    return 0


class _Printer:
    """Transport for `mail review` without --outbox/--send: print each reply."""

    def deliver(self, raw: bytes, sender: str, recipients: tuple[str, ...], msgid: str) -> str:
        msg = message_from_bytes(raw, policy=policy.default)
        print("=" * 72)
        for h in ("From", "To", "Cc", "Subject", "In-Reply-To", "References", "Message-ID",
                  "Auto-Submitted"):  # fmt: skip
            if msg[h]:
                print(f"{h}: {msg[h]}")
        print()
        body = msg.get_body(preferencelist=("plain",))
        print(body.get_content() if body is not None else "", end="")
        return "printed"


def _review(args: argparse.Namespace) -> int:
    from bot.mail.config import MailSettings, mail_settings
    from bot.mail.poller import MailBot
    from bot.mail.store import MailStore
    from bot.mail.transport import Outbox, Transport, make_transport
    from bot.sources.mail import read_messages
    from bot.sources.publicinbox import fetch_thread

    limits = None  # the source analysis limits: the config's [review] ones, else defaults
    if args.config:
        from bot.config import load_config

        cfg = load_config(args.config)
        _configure_logging(args, cfg)
        settings = mail_settings(cfg)
        limits = cfg.review.analysis_limits()
    else:
        if args.log_format or args.log_level:
            from bot.config import Config

            _configure_logging(args, Config())
        settings = MailSettings()
    repo = args.repo or settings.repo or "."
    settings = dataclasses.replace(
        settings, repo=repo, target_branch=args.branch or settings.target_branch,
        cache_dir=args.cache_dir or settings.cache_dir, wait_complete=0.0,
        reply_on_clean=settings.reply_on_clean or args.all)  # fmt: skip
    if not args.send:  # nothing leaves the machine: no limit, and only the given messages
        settings = dataclasses.replace(settings, rate_limit_per_hour=0, lookback_days=0.0)
    if args.send and settings.dry_run:
        raise InputError("--send needs mail.smtp_host in --config", hint="or use --outbox DIR")
    msgs = fetch_thread(args.url, args.source) if args.url else read_messages(args.source)
    transport: Transport
    if args.outbox:
        transport = Outbox(args.outbox)
    elif args.send:
        transport = make_transport(settings)
    else:
        transport = _Printer()
    with tempfile.TemporaryDirectory(prefix="migcheck-mail-") as tmp:
        # Sending: the one store of sent replies (the poller's); else a scratch one.
        store = MailStore(settings.store if args.send else f"{tmp}/mail.sqlite3")
        try:
            bot = MailBot(settings, store, transport=transport, base_override=args.base,
                          force_complete=True, limits=limits)  # fmt: skip
            bot.ingest_messages(msgs)
            bot.process(only={m.msgid for m in msgs})
            bot.deliver_pending()
            statuses = {k: v for k, v in store.all_series().items() if k in bot.touched}
        finally:
            store.close()
    r = bot.result
    print("=" * 72)
    for key, (status, reason) in statuses.items():
        print(f"<{key}>: {status}" + (f" ({reason})" if reason else ""))
    print(f"{len(statuses)} series; {r.replies_delivered} repl"
          f"{'y' if r.replies_delivered == 1 else 'ies'}"
          + (f" written to {args.outbox}" if args.outbox else ""))  # fmt: skip
    for n in r.notes:
        print(f"note: {n}")
    return 0
