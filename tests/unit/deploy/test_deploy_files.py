"""deploy/compose.yaml and deploy/systemd/*: they parse, hold no secrets, and every migcheck
command line in them is accepted by the real subcommand parsers."""

from __future__ import annotations

import argparse
import configparser
import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SUBCOMMAND_MODULES = {"serve": "serve", "worker": "worker", "mail": "mail_cmd"}


def _parser() -> argparse.ArgumentParser:
    """serve/worker/mail registered the way bot.cli does (independent of COMMANDS wiring)."""
    p = argparse.ArgumentParser(prog="migcheck", exit_on_error=False)
    sub = p.add_subparsers(dest="command")
    for mod in SUBCOMMAND_MODULES.values():
        importlib.import_module(f"bot.commands.{mod}").register(sub)
    return p


def _accepts(argv: list[str]) -> None:
    try:
        _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on unknown arguments
        raise AssertionError(f"migcheck {' '.join(argv)}: rejected") from exc


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"web", "worker", "redis", "mail"} <= set(services)
    assert str(services["worker"]["deploy"]["replicas"]).startswith("${MIGCHECK_WORKERS")
    assert "state" in compose["volumes"]
    for name in ("web", "worker", "mail"):
        svc = services[name]
        assert "state:/var/lib/migcheck" in svc["volumes"]
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["redis"]["healthcheck"]["test"][-1] == "ping"


def test_compose_secrets_only_from_the_environment(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if re.search(r"TOKEN|SECRET|PASSWORD", key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:[?-][^}]*)?\}", str(value)), (name, key)


def test_compose_commands_parse(compose: dict[str, Any]) -> None:
    services = compose["services"]
    _accepts(services["web"]["command"])
    _accepts(services["worker"]["command"])
    loop = services["mail"]["command"][0]
    m = re.search(r"migcheck (mail poll [^;]+);", loop)
    assert m, loop
    _accepts(shlex.split(m.group(1)))


def _unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return cp


@pytest.mark.parametrize(
    ("unit", "sub"),
    [
        ("migcheck-web.service", "serve"),
        ("migcheck-worker@.service", "worker"),
        ("migcheck-mail.service", "mail"),
    ],
)
def test_systemd_units(unit: str, sub: str) -> None:
    cp = _unit(unit)
    svc = cp["Service"]
    assert svc["User"] == "migcheck"
    assert svc["EnvironmentFile"] == "/etc/migcheck/secrets.env"
    argv = shlex.split(svc["ExecStart"].replace("%H-%i", "host-1"))
    assert argv[0].endswith("/migcheck") and argv[1] == sub
    _accepts(argv[1:])
    for key, value in svc.items():
        assert not re.search(r"(TOKEN|SECRET|PASSWORD)=\S", value), (unit, key)


def test_mail_timer_starts_the_poller() -> None:
    cp = _unit("migcheck-mail.timer")
    assert cp["Timer"]["OnUnitInactiveSec"]
    assert cp["Install"]["WantedBy"] == "timers.target"
    assert (DEPLOY / "systemd" / "migcheck-mail.service").exists()


def test_operations_guide_covers_the_topics() -> None:
    text = (DEPLOY / "OPERATIONS.md").read_text(encoding="utf-8").lower()
    for topic in (
        "api scope",
        "webhook secret",
        "smtp",
        "moderat",
        "state_dir",
        "backup",
        "redis",
        "/metrics",
        "log",
    ):
        assert topic in text, topic
