"""bot.config: TOML -> frozen dataclasses; bad keys are named; secrets from the env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.commands import config_cmd
from bot.config import Config, load_config, parse_config
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "migcheck.example.toml"


def test_example_config_is_valid() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.gitlab.projects == ("qemu-project/qemu",)
    assert cfg.queue.url == "" and cfg.commands.min_access_level == 30
    assert cfg.cache_dir == Path("/var/lib/migcheck/cache")


def test_defaults_and_frozen() -> None:
    cfg = parse_config({})
    assert cfg.review.status_name == "migration-compat"
    with pytest.raises(AttributeError):
        cfg.review.max_inline_comments = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"service": {"stat_dir": "/x"}}, "service.stat_dir: unknown key"),
        ({"gitlab": {"token": "abc"}}, "gitlab.token: unknown key"),
        ({"gitlab": {"url": 3}}, "gitlab.url: expected a string"),
        ({"review": {"max_inline_comments": "ten"}}, "review.max_inline_comments"),
        ({"review": {"fail_on": "sometimes"}}, "review.fail_on"),
        ({"queue": {"url": "amqp://x"}}, "queue.url"),
        ({"commands": {"min_access_level": 35}}, "commands.min_access_level"),
        ({"commands": {"allow_author": "yes"}}, "commands.allow_author"),
        ({"webhook": {}}, "webhook: unknown section"),
        ({"mail": {"smtp_password": "x"}}, "mail.smtp_password"),
        ({"service": {"state_url": "mysql://db/x"}}, "service.state_url: unsupported"),
        ({"service": {"state_url": "postgresql://bot:pw@db/x"}}, "service.state_url: secrets"),
    ],
)
def test_bad_keys_are_named(data: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(data, source="cfg.toml")
    assert named in str(exc.value) and "cfg.toml" in str(exc.value)


def test_secret_hint_points_to_env() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config({"gitlab": {"token": "glpat-xyz"}})
    assert "token_env" in str(exc.value)


def test_secrets_only_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse_config({"gitlab": {"token_env": "MC_TEST_TOKEN"}}, source="f.toml")
    monkeypatch.delenv("MC_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError) as exc:
        cfg.gitlab_token()
    assert "MC_TEST_TOKEN" in str(exc.value)
    monkeypatch.setenv("MC_TEST_TOKEN", "t0k")
    assert cfg.gitlab_token() == "t0k"
    assert isinstance(cfg, Config)


def test_mail_section_is_kept_for_the_mail_helper() -> None:
    cfg = parse_config({"mail": {"enabled": True, "smtp_host": "localhost", "lists": ["a"]}})
    assert cfg.mail.enabled and dict(cfg.mail.options)["smtp_host"] == "localhost"


def test_config_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[gitlab]\nurl = "https://gitlab.example.org"\n')
    bad = tmp_path / "bad.toml"
    bad.write_text('[queue]\nurll = "redis://x"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("[queue\n")
    import argparse

    assert config_cmd.run(argparse.Namespace(file=str(good))) == 0
    assert "ok" in capsys.readouterr().out
    rc = cli_main(["config", "check", str(bad)]) if _has_config_cmd() else _run_bad(bad)
    assert rc == 2
    err = capsys.readouterr().err
    assert "queue.urll: unknown key" in err
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def _has_config_cmd() -> bool:
    from bot.cli import COMMANDS

    return any(mod == "config_cmd" for _, mod in COMMANDS)


def _run_bad(path: Path) -> int:
    import argparse
    import sys

    try:
        return config_cmd.run(argparse.Namespace(file=str(path)))
    except ConfigError as err:
        print(f"migcheck: error: {err}", file=sys.stderr)
        return err.exit_code


def test_state_url_selects_postgres_for_state_mail_and_queue(tmp_path: Path) -> None:
    from bot.mail.config import mail_settings

    url = "postgresql://migcheck@db.example.org:5432/migcheck"
    cfg = parse_config({"service": {"state_dir": str(tmp_path), "state_url": url}})
    assert cfg.state_target == url and mail_settings(cfg).store == url
    plain = parse_config({"service": {"state_dir": str(tmp_path)}})
    assert plain.state_target == str(tmp_path / "state.sqlite3")
    assert mail_settings(plain).store == str(tmp_path / "mail.sqlite3")
