"""deploy/migcheck.example.toml stays in sync with bot/config.py and bot/mail/config.py:
it loads through the real loader, every key the code knows is in it (with a comment above),
and the values shown are the defaults unless the key is listed as a deliberate example."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot import config as botconfig
from bot.config import Config, load_config
from bot.mail.config import MailSettings, mail_settings

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "deploy" / "migcheck.example.toml"

# Keys whose example value differs from the code default on purpose (an illustration).
ILLUSTRATIVE = {
    "gitlab.projects",
    "gitlab.bot_username",
    "service.public_url",
    "mail.inboxes",
    "mail.repo",
    "mail.from_address",
    "mail.msgid_domain",
}


def _sections() -> dict[str, type[Any]]:
    # `waivers` is an array of [[waiver]] tables (a commented example: see below)
    return {f.name: _field_class(f) for f in dataclasses.fields(Config)
            if f.name not in ("source", "waivers")}  # fmt: skip


def _field_class(f: dataclasses.Field[Any]) -> type[Any]:
    if f.name == "mail":
        return MailSettings
    factory = f.default_factory
    assert callable(factory)
    return type(factory())


def _raw() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_example_loads_through_bot_config() -> None:
    cfg = load_config(EXAMPLE)
    assert isinstance(cfg, Config)
    settings = mail_settings(cfg)
    assert settings.dry_run  # the example never sends mail


def test_every_section_and_key_is_in_the_example() -> None:
    raw = _raw()
    sections = _sections()
    assert set(raw) == set(sections), set(raw) ^ set(sections)
    for name, cls in sections.items():
        known = {f.name for f in dataclasses.fields(cls)}
        assert set(raw[name]) == known, (name, set(raw[name]) ^ known)


def test_every_key_has_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or s.startswith(("#", "[")):
            continue
        key = s.split("=", 1)[0].strip()
        # the key's own comment, or a comment above its group (contiguous keys)
        j = i - 1
        while j >= 0 and lines[j].strip() and not lines[j].lstrip().startswith(("#", "[")):
            j -= 1
        assert j >= 0 and lines[j].lstrip().startswith("#"), f"{key}: no comment above it"


def test_example_values_are_the_defaults() -> None:
    raw = _raw()
    for name, cls in _sections().items():
        defaults = cls()
        for key, value in raw[name].items():
            if f"{name}.{key}" in ILLUSTRATIVE:
                continue
            want = getattr(defaults, key)
            got = tuple(value) if isinstance(value, list) else value
            assert got == want, f"{name}.{key}: example {value!r} != default {want!r}"


def test_no_secret_values_in_the_example() -> None:
    for name, table in _raw().items():
        for key, value in table.items():
            if any(s in key for s in ("token", "secret", "password")):
                assert key.endswith("_env"), f"{name}.{key}"
                assert isinstance(value, str) and (value == "" or value.isupper()), value


@pytest.mark.parametrize(
    ("patch", "bad_key"),
    [
        ("[service]\nstat_dir = '/x'\n", "service.stat_dir"),
        ("[gitlab]\ntoken = 'glpat-x'\n", "gitlab.token"),
        ("[queue]\nmax_attempts = 'many'\n", "queue.max_attempts"),
    ],
)
def test_config_check_names_the_bad_key(tmp_path: Path, patch: str, bad_key: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(patch, encoding="utf-8")
    with pytest.raises(botconfig.ConfigError) as exc:
        load_config(p)
    assert bad_key in str(exc.value)


def test_the_commented_waiver_example_loads() -> None:
    """Uncommented, the example [[waiver]] is a valid waiver of the real loader."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[waiver]]")
    block = []
    for line in lines[start:]:
        if not line.startswith("# "):
            break
        block.append(line[2:])
    cfg = botconfig.parse_config(tomllib.loads("\n".join(block)))
    (w,) = cfg.waivers
    assert (w.rule, w.path, w.entity, w.by) == (
        "MIG004", "hw/intc/apic_common.c", "vmstate_apic_common", "config")  # fmt: skip
    assert w.reason.startswith("only pc-")
