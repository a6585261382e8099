"""`migcheck dumps compare`: exit codes and the JSON findings contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from art_dumpfix import base, clone

from bot.commands.dumps_cmd import main


def write(p: Path, d: object) -> str:
    p.write_text(json.dumps(d))
    return str(p)


def test_compatible_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.json", base())
    assert main(["compare", a, a]) == 0
    assert "compatible in both directions" in capsys.readouterr().out


def test_incompatible_exits_1_with_json_contract(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    new = clone(base())
    del new["mydev"]["Description"]["Fields"][1]
    a, b = write(tmp_path / "a.json", base()), write(tmp_path / "b.json", new)
    assert main(["compare", a, b, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1 and doc["base"] == a and doc["head"] == b
    (f,) = doc["findings"]
    assert f["rule"] == "MIG002" and f["evidence"] == ["dump"]
    assert f["extra"]["direction"] == "both" and f["extra"]["vmsd"] == "mydev"
    assert set(f) >= {"severity", "category", "entity", "fingerprint", "path", "line"}


def test_unreadable_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{")
    assert main(["compare", str(tmp_path / "bad.json"), str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert "not JSON" in err and "Traceback" not in err
    assert main(["compare", str(tmp_path / "none.json"), str(tmp_path / "bad.json")]) == 2


def test_cli_main_when_registered(tmp_path: Path) -> None:
    from bot import cli

    a = write(tmp_path / "a.json", base())
    assert cli.main(["dumps", "compare", a, a]) == 0
